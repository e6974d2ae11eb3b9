/* migrations.c - past blueprint versions -> the head's migration history. */
#include "appgen/migrations.h"
#include "appgen/front.h"
#include "appgen/plan.h"
#include <stdio.h>
#include <string.h>

int ag_past_read(ag_past *out, ag_repo *repo, const ag_history_file *h, const char *head_blob)
{
	size_t n = h ? h->count : 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (n > 0 && strcmp(h->versions[n - 1].blob, head_blob) == 0)
		n--;
	if (n == 0)
		return 0;
	out->files = calloc(n, sizeof(*out->files));
	out->labels = calloc(n, sizeof(*out->labels));
	if (!out->files || !out->labels)
		return ag_error_set(AG_ENOMEM, "out of memory");
	for (size_t k = 0; k < n && !error; k++) {
		ag_snapshot_file *f = &out->files[k];
		out->count++;
		snprintf(out->labels[k], sizeof(out->labels[k]), "commit %.7s", h->versions[k].commit);
		memcpy(f->blob, h->versions[k].blob, sizeof(f->blob));
		if (!(f->path = strdup(h->path)))
			return ag_error_set(AG_ENOMEM, "out of memory");
		error = ag_repo_read_file(repo, f);
		if (error == AG_EINVALID) /* too large: a version that does not validate */
			error = 0;
	}
	return error;
}

void ag_past_dispose(ag_past *p)
{
	for (size_t k = 0; k < p->count; k++) {
		free(p->files[k].path);
		free(p->files[k].data);
	}
	free(p->files);
	free(p->labels);
	memset(p, 0, sizeof(*p));
}

int ag_past_plan(ag_ir *head, const ag_past *past, const char *text, size_t len, ag_diags *d)
{
	size_t n = past->count + 1;
	ag_ir **irs = calloc(n, sizeof(*irs));
	const char **texts = calloc(n, sizeof(*texts)), **labels = calloc(n, sizeof(*labels));
	size_t *lens = calloc(n, sizeof(*lens));
	unsigned count;
	char head_label[16];
	int error = 0;

	if (!irs || !texts || !labels || !lens) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < past->count && !error; k++) {
		const ag_snapshot_file *f = &past->files[k];
		ag_diags ignored;
		ag_diags_init(&ignored);
		texts[k] = f->data;
		lens[k] = f->len;
		labels[k] = past->labels[k];
		if (f->data && (error = ag_front_compile(&irs[k], f->path, f->data, f->len, &ignored)) == AG_EINVALID)
			error = 0;
		if (irs[k])
			irs[k]->version = (unsigned)k + 1;
		ag_diags_dispose(&ignored);
	}
	if (error)
		goto done;
	irs[n - 1] = head;
	texts[n - 1] = text;
	lens[n - 1] = len;
	snprintf(head_label, sizeof(head_label), "version %u", head->version);
	labels[n - 1] = head_label;
	cJSON_Delete(head->versions);
	head->versions = NULL;
	error = ag_plan_versions(&head->versions, &count, irs, texts, lens, labels, n, d);
done:
	if (irs)
		for (size_t k = 0; k + 1 < n; k++)
			ag_ir_free(irs[k]);
	free(irs);
	free(texts);
	free(labels);
	free(lens);
	return error;
}
