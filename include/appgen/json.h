/*
 * json.h - JSON text -> cJSON DOM, with a source span for every key and value.
 *
 * cJSON keeps no positions and silently accepts duplicate keys, so appgen
 * reads JSON with its own strict RFC 8259 parser and builds a cJSON tree
 * beside a table of spans. The parser rejects, as diagnostics in the list
 * it is given: empty input, NUL bytes, invalid UTF-8 (including encoded
 * surrogates and overlong forms), lone \u surrogates, \u0000, control
 * characters in strings, duplicate keys (case-sensitive), numbers out of
 * double range, nesting deeper than AG_JSON_MAX_DEPTH and input longer
 * than the limit. A UTF-8 byte-order mark is skipped.
 *
 * An ag_json owns its cJSON tree, a copy of the source text and the span
 * table. Derived documents (ag_json_derive) share nothing with the parent
 * but start with its text, so nodes built from another dialect can carry
 * spans that point into the original file.
 */
#ifndef AG_JSON_H
#define AG_JSON_H

#include "diag.h"
#include <cjson/cJSON.h>

#define AG_JSON_MAX_DEPTH 64
#define AG_JSON_MAX_SIZE (8u * 1024 * 1024)

typedef struct ag_json_loc {
	ag_span key;   /* the member's key; line 0 for array elements and the root */
	ag_span value; /* the value's first token */
} ag_json_loc;

typedef struct ag_json ag_json;

/*
 * Parse `len` bytes of `text`. `file` is the name diagnostics carry.
 * Returns 0 with *out set, AG_EINVALID after adding diagnostics (no
 * document), or AG_ENOMEM.
 */
int ag_json_parse(ag_json **out, const char *file, const char *text, size_t len,
	ag_diags *diags);

/* A new, empty document sharing `src`'s file name and text (copied). */
int ag_json_derive(ag_json **out, const ag_json *src);

void ag_json_free(ag_json *doc);

/* The tree. The document owns it; ag_json_set_root() takes ownership. */
cJSON *ag_json_root(const ag_json *doc);
void ag_json_set_root(ag_json *doc, cJSON *root);

const char *ag_json_file(const ag_json *doc);
const char *ag_json_text(const ag_json *doc, size_t *len);

/* The span of a node (zeros if the node has none). Never NULL. */
const ag_json_loc *ag_json_loc_of(const ag_json *doc, const cJSON *node);
/* Give `node` a span (used when building derived trees). 0 or AG_ENOMEM. */
int ag_json_set_loc(ag_json *doc, const cJSON *node, const ag_json_loc *loc);

/* The text of a 1-based source line, without its newline. */
const char *ag_json_line(const ag_json *doc, uint32_t line, size_t *len);

/*
 * Add a diagnostic located at `span` of this document (its file name and
 * source line are filled in).
 */
void ag_json_diag(const ag_json *doc, ag_diags *d, ag_severity sev, ag_diag_code code,
	ag_span span, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* True when a number node holds an integral value (JSON Schema "integer"). */
bool ag_json_is_integer(const cJSON *node);

#endif
