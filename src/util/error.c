/* error.c - the thread-local message of the last operational failure. */
#include "appgen/common.h"
#include "appgen/buf.h"

static _Thread_local char last_error[1024];

static void set_msg(const char *fmt, va_list ap, const char *suffix)
{
	int n = vsnprintf(last_error, sizeof(last_error), fmt, ap);
	if (n < 0)
		last_error[0] = '\0';
	if (suffix) {
		size_t len = strlen(last_error);
		snprintf(last_error + len, sizeof(last_error) - len, ": %s", suffix);
	}
}

int ag_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(fmt, ap, NULL);
	va_end(ap);
	return code;
}

int ag_error_os(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	set_msg(fmt, ap, strerror(saved));
	va_end(ap);
	return code;
}

const char *ag_error_last(void)
{
	return last_error;
}

void ag_error_clear(void)
{
	last_error[0] = '\0';
}
