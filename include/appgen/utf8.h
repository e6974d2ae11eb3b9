/*
 * utf8.h - UTF-8 validity, the one check every module uses.
 */
#ifndef AG_UTF8_H
#define AG_UTF8_H

#include "common.h"

/* Strict UTF-8: no overlong forms, surrogates or code points past
 * U+10FFFF; n bytes (NUL bytes are ASCII here). */
bool ag_utf8_valid(const char *s, size_t n);

#endif
