/* diag.c - the diagnostics list and its three renderings. */
#include "appgen/diag.h"

static const struct {
	const char *id, *name, *desc;
} codes[] = {
#define AG_DIAG_CODE(id, code, name, desc) { code, name, desc },
#include "appgen/diag_codes.h"
#undef AG_DIAG_CODE
};

const char *ag_diag_code_id(ag_diag_code c) { return codes[c].id; }
const char *ag_diag_code_name(ag_diag_code c) { return codes[c].name; }
const char *ag_diag_code_desc(ag_diag_code c) { return codes[c].desc; }

void ag_diags_init(ag_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void ag_diags_dispose(ag_diags *d)
{
	for (size_t i = 0; i < d->count; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
		free(d->items[i].hint);
		free(d->items[i].source);
	}
	free(d->items);
	ag_diags_init(d);
}

void ag_diags_add(ag_diags *d, ag_severity sev, ag_diag_code code,
	const char *file, ag_span span, const char *source, size_t source_len,
	const char *hint, const char *fmt, ...)
{
	ag_buf msg = AG_BUF_INIT;
	ag_diag *x;
	va_list ap;

	if (d->oom)
		return;
	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		ag_diag *p = realloc(d->items, cap * sizeof(*p));
		if (!p) {
			d->oom = true;
			return;
		}
		d->items = p;
		d->cap = cap;
	}
	va_start(ap, fmt);
	ag_buf_vprintf(&msg, fmt, ap);
	va_end(ap);

	x = &d->items[d->count];
	x->severity = sev;
	x->code = code;
	x->span = span;
	if (x->span.line && !x->span.len)
		x->span.len = 1;
	x->file = strdup(file ? file : "");
	x->message = ag_buf_detach(&msg);
	x->hint = hint ? strdup(hint) : NULL;
	x->source = source ? strndup(source, source_len) : NULL;
	/* The line is echoed to a terminal: no control characters but tabs. */
	for (char *p = x->source; p && *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
	if (!x->file || !x->message || (hint && !x->hint) || (source && !x->source)) {
		free(x->file);
		free(x->message);
		free(x->hint);
		free(x->source);
		d->oom = true;
		return;
	}
	d->count++;
	if (sev == AG_SEV_ERROR)
		d->errors++;
	else if (sev == AG_SEV_WARNING)
		d->warnings++;
}

/* Insertion sort keeps equal keys in emission order (stable) and the
 * lists are short; it also needs no comparison context. */
static int diag_cmp(const ag_diag *a, const ag_diag *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->span.line != b->span.line)
		return a->span.line < b->span.line ? -1 : 1;
	if (a->span.col != b->span.col)
		return a->span.col < b->span.col ? -1 : 1;
	return 0;
}

void ag_diags_sort(ag_diags *d)
{
	for (size_t i = 1; i < d->count; i++) {
		ag_diag t = d->items[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&d->items[j - 1], &t) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = t;
	}
}

static const char *sev_name(ag_severity s)
{
	return s == AG_SEV_ERROR ? "error" : s == AG_SEV_WARNING ? "warning" : "note";
}

/* Bytes of the first `cps` code points of s (stops at the end). */
static size_t cp_bytes(const char *s, size_t cps)
{
	size_t i = 0;
	while (s[i] && cps) {
		i++;
		while ((s[i] & 0xC0) == 0x80)
			i++;
		cps--;
	}
	return i;
}

static size_t cp_count(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += (*s & 0xC0) != 0x80;
	return n;
}

static void render_caret(ag_buf *out, const ag_diag *x, bool color)
{
	const char *src = x->source;
	size_t pre, avail, len;

	/* Align the caret under the column, copying tabs so they line up. */
	pre = cp_bytes(src, x->span.col - 1);
	ag_buf_printf(out, "%6s | ", "");
	for (size_t i = 0; i < pre; i++) {
		if ((src[i] & 0xC0) == 0x80)
			continue;
		ag_buf_putc(out, src[i] == '\t' ? '\t' : ' ');
	}
	avail = cp_count(src + pre);
	len = x->span.len;
	if (len > avail)
		len = avail ? avail : 1;
	if (color)
		ag_buf_puts(out, "\033[1;32m");
	ag_buf_putc(out, '^');
	ag_buf_repeat(out, '~', len ? len - 1 : 0);
	if (color)
		ag_buf_puts(out, "\033[0m");
	ag_buf_putc(out, '\n');
}

void ag_diags_render_text(ag_buf *out, const ag_diags *d, bool color)
{
	for (size_t i = 0; i < d->count; i++) {
		const ag_diag *x = &d->items[i];
		const char *sc = x->severity == AG_SEV_ERROR ? "\033[1;31m" : "\033[1;35m";

		if (color)
			ag_buf_puts(out, "\033[1m");
		ag_buf_puts(out, x->file);
		if (x->span.line)
			ag_buf_printf(out, ":%u:%u", x->span.line, x->span.col);
		ag_buf_puts(out, ": ");
		if (color)
			ag_buf_puts(out, sc);
		ag_buf_printf(out, "%s[%s]", sev_name(x->severity), codes[x->code].id);
		if (color)
			ag_buf_puts(out, "\033[0;1m");
		ag_buf_printf(out, ": %s", x->message);
		if (color)
			ag_buf_puts(out, "\033[0m");
		ag_buf_putc(out, '\n');
		if (x->source && x->span.line) {
			ag_buf_printf(out, "%6u | %s\n", x->span.line, x->source);
			render_caret(out, x, color);
		}
		if (x->hint)
			ag_buf_printf(out, "%6s = hint: %s\n", "", x->hint);
	}
}

void ag_diags_render_json(ag_buf *out, const ag_diags *d, size_t files)
{
	ag_buf_printf(out, "{\n  \"files\": %zu,\n  \"errors\": %zu,\n  \"warnings\": %zu,\n"
		"  \"diagnostics\": [", files, d->errors, d->warnings);
	for (size_t i = 0; i < d->count; i++) {
		const ag_diag *x = &d->items[i];
		ag_buf_puts(out, i ? ",\n    {" : "\n    {");
		ag_buf_puts(out, "\"file\": ");
		ag_buf_put_json_str(out, x->file);
		ag_buf_printf(out, ", \"line\": %u, \"column\": %u, \"endColumn\": %u",
			x->span.line, x->span.col, x->span.line ? x->span.col + x->span.len : 0);
		ag_buf_printf(out, ", \"severity\": \"%s\", \"code\": \"%s\", \"name\": \"%s\", \"message\": ",
			sev_name(x->severity), codes[x->code].id, codes[x->code].name);
		ag_buf_put_json_str(out, x->message);
		if (x->hint) {
			ag_buf_puts(out, ", \"hint\": ");
			ag_buf_put_json_str(out, x->hint);
		}
		ag_buf_putc(out, '}');
	}
	ag_buf_puts(out, d->count ? "\n  ]\n}\n" : "]\n}\n");
}

/* RFC 3986: keep unreserved characters and '/', percent-encode the rest. */
static void put_uri(ag_buf *out, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	ag_buf u = AG_BUF_INIT;

	if (path[0] == '/')
		ag_buf_puts(&u, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			ag_buf_putc(&u, (char)*p);
		else {
			ag_buf_putc(&u, '%');
			ag_buf_putc(&u, hex[*p >> 4]);
			ag_buf_putc(&u, hex[*p & 15]);
		}
	}
	ag_buf_put_json_str(out, u.ptr);
	ag_buf_dispose(&u);
}

void ag_diags_render_sarif(ag_buf *out, const ag_diags *d)
{
	ag_buf_puts(out, "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
		"  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
		"      \"tool\": {\n        \"driver\": {\n"
		"          \"name\": \"appgen\",\n          \"version\": \"" AG_VERSION "\",\n"
		"          \"informationUri\": \"https://github.com/appgen/appgen\",\n"
		"          \"rules\": [");
	for (size_t c = 0; c < AG_D__COUNT; c++) {
		ag_buf_printf(out, "%s\n            {\"id\": \"%s\", \"name\": \"%s\", "
			"\"shortDescription\": {\"text\": ", c ? "," : "", codes[c].id, codes[c].name);
		ag_buf_put_json_str(out, codes[c].desc);
		ag_buf_printf(out, "}, \"defaultConfiguration\": {\"level\": \"%s\"}}",
			codes[c].id[0] == 'W' ? "warning" : "error");
	}
	ag_buf_puts(out, "\n          ]\n        }\n      },\n"
		"      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [");
	for (size_t i = 0; i < d->count; i++) {
		const ag_diag *x = &d->items[i];
		ag_buf msg = AG_BUF_INIT;

		ag_buf_puts(&msg, x->message);
		if (x->hint)
			ag_buf_printf(&msg, " (hint: %s)", x->hint);
		ag_buf_printf(out, "%s\n        {\"ruleId\": \"%s\", \"ruleIndex\": %d, \"level\": \"%s\", "
			"\"message\": {\"text\": ", i ? "," : "", codes[x->code].id, (int)x->code,
			sev_name(x->severity));
		ag_buf_put_json_str(out, msg.ptr);
		ag_buf_dispose(&msg);
		ag_buf_puts(out, "}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ");
		put_uri(out, x->file);
		ag_buf_putc(out, '}');
		if (x->span.line)
			ag_buf_printf(out, ", \"region\": {\"startLine\": %u, \"startColumn\": %u, \"endColumn\": %u}",
				x->span.line, x->span.col, x->span.col + x->span.len);
		ag_buf_puts(out, "}}]}");
	}
	ag_buf_puts(out, d->count ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n");
}

size_t ag_edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), row[64], best;

	if (lb >= AG_ARRAY_SIZE(row) || la >= 64)
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = diag + cost;
			if (row[j] + 1 < v)
				v = row[j] + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return row[lb];
}

const char *ag_did_you_mean(const char *word, const char *const *cand, size_t n)
{
	size_t len = strlen(word), max = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	size_t best = max + 1;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t dist;
		if (!cand[i])
			continue;
		/* Same letters, different case: always a match. */
		if (strcasecmp(word, cand[i]) == 0)
			return cand[i];
		dist = ag_edit_distance(word, cand[i], max);
		if (dist < best) {
			best = dist;
			pick = cand[i];
		}
	}
	return pick;
}
