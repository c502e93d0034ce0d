/*
 * nls_shim.c - preloaded after the sanitizer runtimes by `make asan` only.
 *
 * With libasan preloaded into Debian's (uninstrumented) postgres, glibc's
 * bindtextdomain() deadlocks on _nl_state_lock at start-up.  Message
 * translation is irrelevant to the tests (lc_messages is C), so these no-op
 * versions keep the server out of that path.
 */
char	   *bindtextdomain(const char *domain, const char *dir);
char	   *bind_textdomain_codeset(const char *domain, const char *codeset);

char *
bindtextdomain(const char *domain, const char *dir)
{
	(void) domain;
	return (char *) dir;
}

char *
bind_textdomain_codeset(const char *domain, const char *codeset)
{
	(void) domain;
	return (char *) codeset;
}
