/*
 * common.h - what every appgen translation unit includes first.
 *
 * Return convention (after libgit2): functions that can fail return int,
 * 0 on success and a negative AG_E* code on failure. Operational failures
 * (out of memory, I/O) record a message with ag_error_set() at the point
 * they happen; callers propagate the code without rewriting the message.
 * Problems in user input are not errors of this kind: they are diagnostics
 * (see diag.h), collected, and the function still returns 0 or AG_EINVALID.
 */
#ifndef AG_COMMON_H
#define AG_COMMON_H

/* System headers that declare banned functions come before banned.h. */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AG_VERSION "0.1.0"

enum {
	AG_OK = 0,
	AG_ERROR = -1,    /* generic operational failure; see ag_error_last() */
	AG_ENOMEM = -2,   /* allocation failed */
	AG_EIO = -3,      /* reading or writing a file failed */
	AG_EINVALID = -4, /* user input is invalid; diagnostics say why */
	AG_ENOTFOUND = -5
};

/* Record the message of the current operational failure (thread-local). */
int ag_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record errno's text after a prefix, e.g. ag_error_os(AG_EIO, "open '%s'", p). */
int ag_error_os(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last message set on this thread, or "" if none. */
const char *ag_error_last(void);
void ag_error_clear(void);

#define AG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#include "banned.h"

#endif
