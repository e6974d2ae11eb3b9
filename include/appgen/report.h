/*
 * report.h - build reports (build.json) of shards, merged into one.
 *
 * `appgen build --shard I/N` builds a stable share of the apps and reports
 * the others as skipped. Merging the N reports gives the report of the
 * whole build: every app once, from the shard that built it (a skipped
 * entry yields to any other), totals recounted, apps in path order. All
 * reports must come from the same source commit and appgen.
 */
#ifndef AG_REPORT_H
#define AG_REPORT_H

#include "buf.h"

/*
 * Merge the reports `texts[i]` (JSON, lens[i] bytes, named names[i] in
 * messages) into `out` (JSON text). AG_EINVALID with a message for a
 * report that is not one, reports of different commits, or an app two
 * shards both built.
 */
int ag_report_merge(ag_buf *out, const char *const *texts, const size_t *lens, const char *const *names,
	size_t n);

#endif
