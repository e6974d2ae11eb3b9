/*
 * diag.h - diagnostics about user input: data, never printed here.
 *
 * A diagnostic is {severity, code, file, line, col, len, message, hint,
 * source line}. The front end appends to an ag_diags list and keeps going;
 * the CLI renders the list as text (file:line:col: error[CODE]: message,
 * then the source line, a caret and the hint), JSON or SARIF 2.1.0.
 *
 * Lines and columns are 1-based; columns count Unicode code points (SARIF
 * columnKind "unicodeCodePoints"). line == 0 means "the whole file".
 * The list owns every string it holds; ag_diags_dispose() frees them.
 */
#ifndef AG_DIAG_H
#define AG_DIAG_H

#include "buf.h"

typedef enum {
#define AG_DIAG_CODE(id, code, name, desc) AG_D_##id,
#include "diag_codes.h"
#undef AG_DIAG_CODE
	AG_D__COUNT
} ag_diag_code;

typedef enum { AG_SEV_ERROR, AG_SEV_WARNING, AG_SEV_NOTE } ag_severity;

/* A place in a source file. */
typedef struct ag_span {
	uint32_t line, col; /* 1-based; 0 = unknown */
	uint32_t len;       /* length in code points on that line, >= 1 */
} ag_span;

typedef struct ag_diag {
	ag_severity severity;
	ag_diag_code code;
	char *file;
	ag_span span;
	char *message;
	char *hint;   /* may be NULL */
	char *source; /* the source line, no newline; may be NULL */
} ag_diag;

typedef struct ag_diags {
	ag_diag *items;
	size_t count, cap;
	size_t errors, warnings;
	bool oom;
} ag_diags;

void ag_diags_init(ag_diags *d);
void ag_diags_dispose(ag_diags *d);

/* "E101" and "unknown-key" and the description of a code. */
const char *ag_diag_code_id(ag_diag_code code);
const char *ag_diag_code_name(ag_diag_code code);
const char *ag_diag_code_desc(ag_diag_code code);

/*
 * Append one diagnostic. `source` is the text of the offending line (may
 * be NULL); `hint` may be NULL. Strings are copied. Out of memory is
 * sticky in d->oom.
 */
void ag_diags_add(ag_diags *d, ag_severity sev, ag_diag_code code,
	const char *file, ag_span span, const char *source, size_t source_len,
	const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));

/* Sort by file, line, column (stable), so output order is reproducible. */
void ag_diags_sort(ag_diags *d);

/* Renderers. `color` adds ANSI colors to the text form. */
void ag_diags_render_text(ag_buf *out, const ag_diags *d, bool color);
void ag_diags_render_json(ag_buf *out, const ag_diags *d, size_t files);
void ag_diags_render_sarif(ag_buf *out, const ag_diags *d);

/* Edit distance, for "did you mean"; gives up (returns > max) early. */
size_t ag_edit_distance(const char *a, const char *b, size_t max);
/* The candidate closest to `word` within a sensible distance, or NULL. */
const char *ag_did_you_mean(const char *word, const char *const *candidates, size_t n);

#endif
