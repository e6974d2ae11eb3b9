/*
 * banned.h - functions appgen's code must not call.
 *
 * Included last by every translation unit (through common.h). Each name
 * below expands to a call of an undeclared function, so any use is a
 * compile error with a readable name. Text is built with ag_buf; time is
 * never read (outputs must be reproducible).
 */
#ifndef AG_BANNED_H
#define AG_BANNED_H

#define AG_BANNED(func) sorry_##func##_is_banned_in_appgen

#undef sprintf
#define sprintf(...) AG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) AG_BANNED(vsprintf)
#undef strcpy
#define strcpy(x, y) AG_BANNED(strcpy)
#undef strcat
#define strcat(x, y) AG_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) AG_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) AG_BANNED(strncat)
#undef gmtime
#define gmtime(t) AG_BANNED(gmtime)
#undef localtime
#define localtime(t) AG_BANNED(localtime)
#undef setlocale
#define setlocale(c, l) AG_BANNED(setlocale)

#endif
