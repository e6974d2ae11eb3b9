/* json_write.c - canonical JSON text: stable bytes for the same tree. */
#include "appgen/front.h"
#include <math.h>

void ag_json_put_number(ag_buf *out, double v)
{
	char tmp[64];

	if (v == 0) {
		ag_buf_putc(out, '0'); /* also turns -0 into 0 */
		return;
	}
	if (floor(v) == v && fabs(v) < 1e15) {
		snprintf(tmp, sizeof(tmp), "%.0f", v);
		ag_buf_puts(out, tmp);
		return;
	}
	/* The shortest of %.15g..%.17g that reads back as the same double. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	ag_buf_puts(out, tmp);
}

static void write_node(ag_buf *out, const cJSON *n, int depth)
{
	const cJSON *c;

	if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
		bool obj = cJSON_IsObject(n);
		if (!n->child) {
			ag_buf_puts(out, obj ? "{}" : "[]");
			return;
		}
		ag_buf_putc(out, obj ? '{' : '[');
		for (c = n->child; c; c = c->next) {
			ag_buf_putc(out, '\n');
			ag_buf_repeat(out, ' ', (size_t)(depth + 1) * 2);
			if (obj) {
				ag_buf_put_json_str(out, c->string);
				ag_buf_puts(out, ": ");
			}
			write_node(out, c, depth + 1);
			if (c->next)
				ag_buf_putc(out, ',');
		}
		ag_buf_putc(out, '\n');
		ag_buf_repeat(out, ' ', (size_t)depth * 2);
		ag_buf_putc(out, obj ? '}' : ']');
	} else if (cJSON_IsString(n)) {
		ag_buf_put_json_str(out, n->valuestring);
	} else if (cJSON_IsNumber(n)) {
		ag_json_put_number(out, n->valuedouble);
	} else if (cJSON_IsBool(n)) {
		ag_buf_puts(out, cJSON_IsTrue(n) ? "true" : "false");
	} else {
		ag_buf_puts(out, "null");
	}
}

void ag_json_write(ag_buf *out, const cJSON *node)
{
	write_node(out, node, 0);
	ag_buf_putc(out, '\n');
}
