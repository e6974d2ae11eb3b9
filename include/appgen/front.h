/*
 * front.h - the compiler front end: bytes of one blueprint -> ag_ir.
 *
 * ag_front_compile() runs parse -> dialect detection (BlueprintV2 or the
 * backend-spec "spec_version": "1.0", converted on the fly) -> validation
 * -> normalization. Every problem is a diagnostic in `diags`, located in
 * the original file; validation reports all problems, not the first.
 *
 * Returns 0 with *out set (the blueprint is valid; warnings may exist),
 * AG_EINVALID when any error was reported (no IR), or a negative
 * operational code (out of memory).
 *
 * ag_front_check_repo() applies the rules that span files (unique slugs,
 * file name = <slug>.json, no two apps in one database schema) to
 * already-compiled apps, adding diagnostics at each offending slug.
 */
#ifndef AG_FRONT_H
#define AG_FRONT_H

#include "ir.h"
#include "json.h"

int ag_front_compile(ag_ir **out, const char *file, const char *text, size_t len,
	ag_diags *diags);

/* Parse + convert only (no validation): the BlueprintV2 document of a
 * file, whichever dialect it is written in. Used by `appgen import`. */
int ag_front_load(ag_json **out, const char *file, const char *text, size_t len,
	ag_diags *diags);

/* Validation and normalization of a loaded BlueprintV2 document. */
int ag_validate(ag_ir **out, const ag_json *doc, ag_diags *diags);

/* The backend-spec dialect: true if root has "spec_version". */
bool ag_spec1_detect(const cJSON *root);
/* Convert a spec1 document into a BlueprintV2 document whose nodes carry
 * spans into the spec1 file. Shape errors are diagnostics (AG_EINVALID). */
int ag_spec1_convert(ag_json **out, const ag_json *spec, ag_diags *diags);

void ag_front_check_repo(const ag_ir *const *apps, size_t n, ag_diags *diags);

/* Canonical JSON text: 2-space indent, keys in tree order, shortest
 * round-trip numbers, "\n" at the end. */
void ag_json_write(ag_buf *out, const cJSON *node);
/* A finite double as canonical JSON writes it: integers plainly, others
 * with the shortest of %.15g..%.17g that reads back the same; -0 is 0. */
void ag_json_put_number(ag_buf *out, double v);

#endif
