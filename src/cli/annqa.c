/*
 * annqa - the command-line loader of the annqa extension.
 *
 *   annqa import coco|cvat|labelstudio FILE --dataset D [--annotator A] [--batch B] [--db CONNINFO]
 *   annqa export coco --dataset D [--release R] [--annotator A] [--db CONNINFO]
 *   annqa report --dataset D [--batch B] -o FILE|- [--db CONNINFO]
 *   annqa gate --batch B --version V --owner O [--db CONNINFO]
 *
 * COCO files can be larger than the 1 GB limit of a text or jsonb value, so
 * the loader scans the file itself: it finds the objects of "images",
 * "categories" and "annotations" (or of a results list), checks each with
 * cJSON, and streams them with COPY into the staging tables of
 * annqa.coco_staging(); annqa.coco_load() then finishes the import.  All of it
 * runs in one transaction: a bad file loads nothing.
 *
 * Exit status: 0 done (gate: passed), 1 the batch did not pass the gate,
 * 2 a bad file or bad arguments (nothing loaded; an unknown dataset or batch
 * too), 3 a database error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#define EXIT_GATE_FAILED 1
#define EXIT_BAD_INPUT 2
#define EXIT_DB 3

static const char *usage_text =
	"usage:\n"
	"  annqa import coco|cvat|labelstudio FILE --dataset D [--annotator A] [--batch B] [--db CONNINFO]\n"
	"  annqa export coco --dataset D [--release R] [--annotator A] [--db CONNINFO] > out.json\n"
	"  annqa report --dataset D [--batch B] -o report.html [--db CONNINFO]\n"
	"  annqa gate --batch B --version V --owner O [--db CONNINFO]\n"
	"  annqa --help\n"
	"\n"
	"import   load a COCO instances or results file, a CVAT for images/video 1.1 XML file or a\n"
	"         Label Studio JSON export into the annqa tables, in one transaction; loading the\n"
	"         same file twice adds nothing.  COCO files are streamed with COPY (any size).\n"
	"         --annotator (COCO only) defaults to the file name without its extension.\n"
	"export   write a COCO instances file of the dataset's gold (or of --annotator), or of the\n"
	"         batch of a passed release, to standard output.\n"
	"report   write annqa.report_html(dataset, batch), one self-contained HTML page, to the\n"
	"         file of -o (--output); -o - writes it to standard output.  Without --batch: the\n"
	"         batch of the latest gate decision, else the latest batch.\n"
	"gate     run CALL annqa.release_gate(batch, version, owner) and print the verdict.\n"
	"--db     a libpq connection string or URI; default: the PG* environment variables.\n"
	"\n"
	"Progress goes to standard error: a bar with objects/s and the time left on a terminal,\n"
	"plain lines otherwise.  Exit status: 0 done (gate: passed), 1 the gate did not pass,\n"
	"2 a bad file or bad arguments (nothing is loaded; also an unknown dataset or batch),\n"
	"3 a database error.\n";

static void
die(int code, const char *fmt,...)
{
	va_list		ap;

	fputs("annqa: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static double
now_s(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* ---------------------------------------------------------------- options */

typedef struct Opts
{
	const char *dataset;
	const char *annotator;
	const char *batch;
	const char *db;
	const char *release;
	const char *version;
	const char *owner;
	const char *output;
} Opts;

static void
parse_opts(int argc, char **argv, int first, Opts *o, const char **file)
{
	int			i;

	memset(o, 0, sizeof(*o));
	for (i = first; i < argc; i++)
	{
		const char **slot = NULL;

		if (strcmp(argv[i], "--dataset") == 0)
			slot = &o->dataset;
		else if (strcmp(argv[i], "--annotator") == 0)
			slot = &o->annotator;
		else if (strcmp(argv[i], "--batch") == 0)
			slot = &o->batch;
		else if (strcmp(argv[i], "--db") == 0)
			slot = &o->db;
		else if (strcmp(argv[i], "--release") == 0)
			slot = &o->release;
		else if (strcmp(argv[i], "--version") == 0)
			slot = &o->version;
		else if (strcmp(argv[i], "--owner") == 0)
			slot = &o->owner;
		else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0)
			slot = &o->output;
		else if (strncmp(argv[i], "--", 2) == 0)
			die(EXIT_BAD_INPUT, "unknown option %s (see annqa --help)", argv[i]);
		else if (file && !*file)
		{
			*file = argv[i];
			continue;
		}
		else
			die(EXIT_BAD_INPUT, "unexpected argument \"%s\" (see annqa --help)", argv[i]);
		if (i + 1 >= argc)
			die(EXIT_BAD_INPUT, "option %s needs a value", argv[i]);
		*slot = argv[++i];
	}
}

/*
 * Server notices (a WARNING that stored match rows are stale, say) go to
 * standard error, each distinct text once: a view read many times by one
 * statement repeats its warning.
 */
static void
notice_once(void *arg, const char *msg)
{
	static char *seen[32];
	static int	n_seen = 0;
	int			k;

	for (k = 0; k < n_seen; k++)
		if (strcmp(seen[k], msg) == 0)
			return;
	if (n_seen < 32 && (seen[n_seen] = strdup(msg)) != NULL)
		n_seen++;
	fputs(msg, stderr);
}

static PGconn *
connect_db(const char *conninfo)
{
	PGconn	   *c = PQconnectdb(conninfo ? conninfo : "");

	if (PQstatus(c) != CONNECTION_OK)
		die(EXIT_DB, "cannot connect to the database: %s", PQerrorMessage(c));
	PQsetNoticeProcessor(c, notice_once, NULL);
	return c;
}

/* Run a command that returns no rows of interest; on failure roll back and exit. */
static void
exec_ok(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die(EXIT_DB, "%s", PQerrorMessage(c));
	PQclear(r);
}

/*
 * Report a failed statement: bad data (SQLSTATE classes 22, 0A, 23) is a bad
 * file, and an unknown dataset or batch (42704 undefined_object) a bad argument.
 */
static void
fail_result(PGconn *c, PGresult *r)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
	int			bad = state && (strncmp(state, "22", 2) == 0 || strncmp(state, "0A", 2) == 0 ||
								strncmp(state, "23", 2) == 0 || strcmp(state, "42704") == 0);

	fprintf(stderr, "annqa: %s\n", msg ? msg : PQerrorMessage(c));
	if (hint)
		fprintf(stderr, "annqa: %s\n", hint);
	PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c);
	exit(bad ? EXIT_BAD_INPUT : EXIT_DB);
}

/* ---------------------------------------------------------------- progress */

typedef struct Progress
{
	int			tty;
	double		start;
	double		last;
	size_t		total;			/* bytes of the file */
	long long	objects;
} Progress;

static void
progress_show(Progress *p, size_t done, int final)
{
	double		t = now_s(),
				el = t - p->start;
	double		rate = el > 0 ? p->objects / el : 0;
	double		frac = p->total ? (double) done / p->total : 1;
	double		eta = frac > 0 ? el / frac - el : 0;

	if (!final && t - p->last < (p->tty ? 0.1 : 5.0))
		return;
	p->last = t;
	if (p->tty)
	{
		char		bar[31];
		int			k,
					fill = (int) (frac * 30);

		for (k = 0; k < 30; k++)
			bar[k] = k < fill ? '#' : ' ';
		bar[30] = '\0';
		fprintf(stderr, "\r[%s] %3.0f%%  %lld objects  %.0f objects/s  ETA %.0fs ", bar, frac * 100,
				p->objects, rate, final ? 0 : eta);
		if (final)
			fputc('\n', stderr);
	}
	else
		fprintf(stderr, "annqa: %lld objects, %.0f%% of the file, %.0f objects/s, %.1fs%s\n",
				p->objects, frac * 100, rate, el, final ? " (sent)" : "");
	fflush(stderr);
}

/* ---------------------------------------------------------------- the JSON scanner */

typedef struct Scan
{
	const char *s;
	size_t		n;
	size_t		i;
	const char *file;
} Scan;

static void
scan_fail(Scan *sc, const char *what)
{
	if (sc->i >= sc->n)
		die(EXIT_BAD_INPUT, "%s: byte %zu: the file ends early (%s); nothing was loaded", sc->file, sc->i, what);
	die(EXIT_BAD_INPUT, "%s: byte %zu: %s; nothing was loaded", sc->file, sc->i, what);
}

static void
skip_ws(Scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r' || sc->s[sc->i] == '\t'))
		sc->i++;
}

/* Skip one JSON value (its syntax is checked later by cJSON). */
static void
skip_value(Scan *sc)
{
	int			depth = 0;

	skip_ws(sc);
	if (sc->i >= sc->n)
		scan_fail(sc, "a value was expected");
	do
	{
		char		ch;

		if (sc->i >= sc->n)
			scan_fail(sc, "an object or array is not closed");
		ch = sc->s[sc->i];
		if (ch == '"')
		{
			sc->i++;
			while (sc->i < sc->n && sc->s[sc->i] != '"')
				sc->i += sc->s[sc->i] == '\\' ? 2 : 1;
			if (sc->i >= sc->n)
				scan_fail(sc, "a string is not closed");
			sc->i++;
		}
		else if (ch == '{' || ch == '[')
		{
			depth++;
			sc->i++;
		}
		else if (ch == '}' || ch == ']')
		{
			if (--depth < 0)
				scan_fail(sc, "unexpected closing bracket");
			sc->i++;
		}
		else
		{
			sc->i++;
			/* a scalar at depth 0 ends at a delimiter */
			if (depth == 0)
			{
				while (sc->i < sc->n && !strchr(",]} \n\r\t", sc->s[sc->i]))
					sc->i++;
			}
		}
	} while (depth > 0);
}

/* COPY one row "pos \t at \t json" (the JSON escaped for COPY text format). */
typedef struct Buf
{
	char	   *p;
	size_t		len,
				cap;
} Buf;

static void
buf_put(Buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap)
	{
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1 << 20;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die(EXIT_DB, "out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
flush_copy(PGconn *c, Buf *b)
{
	if (b->len && PQputCopyData(c, b->p, (int) b->len) != 1)
		die(EXIT_DB, "COPY failed: %s", PQerrorMessage(c));
	b->len = 0;
}

/* Stream the elements of the array starting at sc->i into table. */
static void
copy_array(PGconn *c, Scan *sc, const char *table, Progress *pg)
{
	char		sql[256];
	PGresult   *r;
	Buf			b = {0};
	long long	pos = 0;

	snprintf(sql, sizeof(sql), "COPY pg_temp.%s (pos, at, obj) FROM STDIN", table);
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		fail_result(c, r);
	PQclear(r);
	skip_ws(sc);
	if (sc->i >= sc->n || sc->s[sc->i] != '[')
		scan_fail(sc, "an array was expected");
	sc->i++;
	skip_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == ']')
		sc->i++;
	else
		for (;;)
		{
			size_t		start,
						k;
			char		head[64];
			cJSON	   *obj;
			const char *end = NULL;

			skip_ws(sc);
			start = sc->i;
			skip_value(sc);
			obj = cJSON_ParseWithLengthOpts(sc->s + start, sc->i - start, &end, 0);
			if (!obj)
			{
				const char *e = cJSON_GetErrorPtr();

				sc->i = e && e >= sc->s && e <= sc->s + sc->n ? (size_t) (e - sc->s) : start;
				scan_fail(sc, "invalid JSON");
			}
			cJSON_Delete(obj);
			k = (size_t) snprintf(head, sizeof(head), "%lld\t%zu\t", pos, start);
			buf_put(&b, head, k);
			for (k = start; k < sc->i; k++)
			{
				char		ch = sc->s[k];

				if (ch == '\\')
					buf_put(&b, "\\\\", 2);
				else if (ch == '\n')
					buf_put(&b, "\\n", 2);
				else if (ch == '\r')
					buf_put(&b, "\\r", 2);
				else if (ch == '\t')
					buf_put(&b, "\\t", 2);
				else
					buf_put(&b, &ch, 1);
			}
			buf_put(&b, "\n", 1);
			if (b.len > (1 << 20))
				flush_copy(c, &b);
			pos++;
			pg->objects++;
			progress_show(pg, sc->i, 0);
			skip_ws(sc);
			if (sc->i < sc->n && sc->s[sc->i] == ',')
			{
				sc->i++;
				continue;
			}
			if (sc->i < sc->n && sc->s[sc->i] == ']')
			{
				sc->i++;
				break;
			}
			scan_fail(sc, "',' or ']' was expected after an array element");
		}
	flush_copy(c, &b);
	free(b.p);
	if (PQputCopyEnd(c, NULL) != 1)
		die(EXIT_DB, "COPY failed: %s", PQerrorMessage(c));
	while ((r = PQgetResult(c)) != NULL)
	{
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			fail_result(c, r);
		PQclear(r);
	}
}

/* ---------------------------------------------------------------- files */

typedef struct Map
{
	const char *s;
	size_t		n;
} Map;

static Map
map_file(const char *path)
{
	Map			m = {NULL, 0};
	struct stat st;
	int			fd = open(path, O_RDONLY);

	if (fd < 0)
		die(EXIT_BAD_INPUT, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die(EXIT_BAD_INPUT, "%s: %s", path, strerror(errno));
	m.n = (size_t) st.st_size;
	if (m.n == 0)
		die(EXIT_BAD_INPUT, "%s: the file is empty; nothing was loaded", path);
	m.s = mmap(NULL, m.n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m.s == MAP_FAILED)
		die(EXIT_BAD_INPUT, "%s: %s", path, strerror(errno));
	close(fd);
	return m;
}

static void
print_result(PGconn *c, PGresult *r)
{
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_result(c, r);
	printf("%s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
}

static int
import_coco(const char *file, Opts *o)
{
	Map			m = map_file(file);
	Scan		sc = {m.s, m.n, 0, file};
	Progress	pg = {isatty(2), now_s(), now_s(), m.n, 0};
	PGconn	   *c;
	PGresult   *r;
	int			results;
	char		annot[256];
	const char *params[4];

	if (!o->annotator)
	{
		const char *base = strrchr(file, '/');
		char	   *dot;

		snprintf(annot, sizeof(annot), "%s", base ? base + 1 : file);
		if ((dot = strrchr(annot, '.')) != NULL)
			*dot = '\0';
		o->annotator = annot;
	}
	c = connect_db(o->db);
	/*
	 * The staging tables are temporary tables, about twice the size of the
	 * file; local buffers for them (before the first temporary table of the
	 * session is touched) keep them off the disk: 8MB by default, here three
	 * times the file size, at most 1GB, allocated only as they fill.
	 */
	{
		char		sql[96];
		size_t		kb = m.n / 1024 * 3;

		if (kb > 1024 * 1024)
			kb = 1024 * 1024;
		if (kb < 8192)
			kb = 8192;
		snprintf(sql, sizeof(sql), "SET temp_buffers = '%zukB'", kb);
		exec_ok(c, sql);
	}
	exec_ok(c, "BEGIN");
	exec_ok(c, "SET LOCAL client_min_messages = warning");
	exec_ok(c, "SELECT annqa.coco_staging()");
	skip_ws(&sc);
	if (sc.i >= sc.n)
		scan_fail(&sc, "a JSON object or array was expected");
	results = sc.s[sc.i] == '[';
	if (results)
		copy_array(c, &sc, "annqa_coco_annotations", &pg);
	else if (sc.s[sc.i] == '{')
	{
		int			seen[3] = {0, 0, 0};
		static const char *keys[3] = {"images", "categories", "annotations"};
		static const char *tables[3] = {"annqa_coco_images", "annqa_coco_categories", "annqa_coco_annotations"};

		sc.i++;
		skip_ws(&sc);
		if (sc.i < sc.n && sc.s[sc.i] == '}')
			sc.i++;
		else
			for (;;)
			{
				size_t		kstart;
				int			k,
							which = -1;

				skip_ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != '"')
					scan_fail(&sc, "a member name was expected");
				kstart = sc.i;
				skip_value(&sc);
				for (k = 0; k < 3; k++)
					if (sc.i - kstart == strlen(keys[k]) + 2 && strncmp(sc.s + kstart + 1, keys[k], strlen(keys[k])) == 0)
						which = k;
				skip_ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != ':')
					scan_fail(&sc, "':' was expected");
				sc.i++;
				skip_ws(&sc);
				if (which >= 0)
				{
					if (sc.i < sc.n && sc.s[sc.i] != '[')
						scan_fail(&sc, which == 0 ? "\"images\" is not an array" :
								  which == 1 ? "\"categories\" is not an array" : "\"annotations\" is not an array");
					copy_array(c, &sc, tables[which], &pg);
					seen[which] = 1;
				}
				else
				{
					size_t		vstart = sc.i;
					cJSON	   *v;

					skip_value(&sc);
					v = cJSON_ParseWithLength(sc.s + vstart, sc.i - vstart);
					if (!v)
					{
						const char *e = cJSON_GetErrorPtr();

						sc.i = e && e >= sc.s && e <= sc.s + sc.n ? (size_t) (e - sc.s) : vstart;
						scan_fail(&sc, "invalid JSON");
					}
					cJSON_Delete(v);
				}
				skip_ws(&sc);
				if (sc.i < sc.n && sc.s[sc.i] == ',')
				{
					sc.i++;
					continue;
				}
				if (sc.i < sc.n && sc.s[sc.i] == '}')
				{
					sc.i++;
					break;
				}
				scan_fail(&sc, "',' or '}' was expected");
			}
		for (int k = 0; k < 3; k++)
			if (!seen[k])
				die(EXIT_BAD_INPUT, "%s: missing field \"%s\"; nothing was loaded", file, keys[k]);
	}
	else
		scan_fail(&sc, "a COCO file is a JSON object (or a results list)");
	skip_ws(&sc);
	if (sc.i < sc.n)
		scan_fail(&sc, "unexpected data after the end of the JSON document");
	progress_show(&pg, sc.n, 1);
	fprintf(stderr, "annqa: %lld objects sent; the database checks and inserts them now (one statement)\n", pg.objects);
	params[0] = o->dataset;
	params[1] = o->annotator;
	params[2] = o->batch;
	params[3] = results ? "true" : "false";
	r = PQexecParams(c, "SELECT annqa.coco_load($1, $2, $3, $4::boolean)", 4, NULL, params, NULL, NULL, 0);
	print_result(c, r);
	exec_ok(c, "COMMIT");
	fprintf(stderr, "annqa: %lld objects loaded from %s in %.2fs\n", pg.objects, file, now_s() - pg.start);
	PQfinish(c);
	munmap((void *) m.s, m.n);
	return 0;
}

/* CVAT XML and Label Studio JSON go to the server whole, as one value. */
static int
import_whole(const char *kind, const char *file, Opts *o)
{
	Map			m = map_file(file);
	char	   *text;
	PGconn	   *c;
	PGresult   *r;
	const char *params[3];
	double		t0 = now_s();

	if (m.n >= (size_t) 1 << 30)
		die(EXIT_BAD_INPUT, "%s: %zu bytes: a %s file must be under 1 GB (a PostgreSQL value); nothing was loaded",
			file, m.n, kind);
	text = malloc(m.n + 1);
	if (!text)
		die(EXIT_DB, "out of memory");
	memcpy(text, m.s, m.n);
	text[m.n] = '\0';
	if (memchr(text, '\0', m.n))
		die(EXIT_BAD_INPUT, "%s: byte %zu: a NUL byte; nothing was loaded", file, (size_t) ((char *) memchr(text, '\0', m.n) - text));
	if (strcmp(kind, "labelstudio") == 0)
	{
		cJSON	   *j = cJSON_ParseWithLength(text, m.n);

		if (!j)
		{
			const char *e = cJSON_GetErrorPtr();
			size_t		at = e && e >= text && e <= text + m.n ? (size_t) (e - text) : 0;

			die(EXIT_BAD_INPUT, "%s: byte %zu: %s; nothing was loaded", file, at,
				at + 1 >= m.n ? "the file ends early (invalid JSON)" : "invalid JSON");
		}
		if (!cJSON_IsArray(j) && !cJSON_IsObject(j))
			die(EXIT_BAD_INPUT, "%s: byte 0: a Label Studio export is a list of tasks; nothing was loaded", file);
		cJSON_Delete(j);
	}
	c = connect_db(o->db);
	exec_ok(c, "BEGIN");
	exec_ok(c, "SET LOCAL client_min_messages = warning");
	params[0] = o->dataset;
	params[1] = text;
	params[2] = o->batch;
	if (strcmp(kind, "cvat") == 0)
		r = PQexecParams(c, "SELECT annqa.import_cvat($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
	else
		r = PQexecParams(c, "SELECT annqa.import_label_studio($1, $2::jsonb, $3)", 3, NULL, params, NULL, NULL, 0);
	print_result(c, r);
	exec_ok(c, "COMMIT");
	fprintf(stderr, "annqa: %s loaded in %.2fs\n", file, now_s() - t0);
	PQfinish(c);
	free(text);
	return 0;
}

static int
export_coco(Opts *o)
{
	PGconn	   *c = connect_db(o->db);
	const char *params[3] = {o->dataset, o->release, o->annotator};
	PGresult   *r = PQexecParams(c, "SELECT annqa.export_coco($1, $2::bigint, $3)", 3, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_result(c, r);
	fputs(PQgetvalue(r, 0, 0), stdout);
	fputc('\n', stdout);
	PQclear(r);
	PQfinish(c);
	return 0;
}

/* annqa report: the page goes to the file only once the query has succeeded. */
static int
report(Opts *o)
{
	PGconn	   *c = connect_db(o->db);
	const char *params[2] = {o->dataset, o->batch};
	PGresult   *r = PQexecParams(c, "SELECT annqa.report_html($1, $2)", 2, NULL, params, NULL, NULL, 0);
	const char *page;
	size_t		len;
	int			to_stdout = strcmp(o->output, "-") == 0;
	FILE	   *f;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_result(c, r);
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		die(EXIT_DB, "annqa.report_html returned no page");
	page = PQgetvalue(r, 0, 0);
	len = (size_t) PQgetlength(r, 0, 0);
	f = to_stdout ? stdout : fopen(o->output, "w");
	if (!f)
		die(EXIT_BAD_INPUT, "%s: %s", o->output, strerror(errno));
	if (fwrite(page, 1, len, f) != len || fflush(f) != 0 || (!to_stdout && fclose(f) != 0))
		die(EXIT_BAD_INPUT, "%s: %s", to_stdout ? "standard output" : o->output, strerror(errno));
	if (!to_stdout)
		fprintf(stderr, "annqa: report of dataset %s written to %s (%zu bytes)\n", o->dataset, o->output, len);
	PQclear(r);
	PQfinish(c);
	return 0;
}

static int
gate(Opts *o)
{
	PGconn	   *c = connect_db(o->db);
	const char *params[3] = {o->batch, o->version, o->owner};
	PGresult   *r = PQexec(c, "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
						   "WHERE n.nspname = 'annqa' AND p.proname = 'release_gate' AND p.prokind = 'p'");
	int			passed;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_result(c, r);
	if (PQntuples(r) == 0)
		die(EXIT_DB, "this database has no procedure annqa.release_gate (an older annqa version?)");
	PQclear(r);
	r = PQexecParams(c, "CALL annqa.release_gate($1, $2, $3, NULL, NULL)", 3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_result(c, r);
	passed = strcmp(PQgetvalue(r, 0, PQfnumber(r, "passed")), "t") == 0;
	if (passed)
		printf("batch %s, version %s: PASSED\n", o->batch, o->version);
	else
		printf("batch %s, version %s: FAILED: %s\n", o->batch, o->version, PQgetvalue(r, 0, PQfnumber(r, "failing")));
	PQclear(r);
	PQfinish(c);
	return passed ? 0 : EXIT_GATE_FAILED;
}

int
main(int argc, char **argv)
{
	Opts		o;
	const char *file = NULL;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0)
	{
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_BAD_INPUT : 0;
	}
	if (strcmp(argv[1], "import") == 0)
	{
		const char *kind = argc > 2 ? argv[2] : "";

		if (strcmp(kind, "coco") != 0 && strcmp(kind, "cvat") != 0 && strcmp(kind, "labelstudio") != 0)
			die(EXIT_BAD_INPUT, "import needs a format: coco, cvat or labelstudio (see annqa --help)");
		parse_opts(argc, argv, 3, &o, &file);
		if (!file)
			die(EXIT_BAD_INPUT, "import %s needs a FILE", kind);
		if (!o.dataset)
			die(EXIT_BAD_INPUT, "import needs --dataset");
		if (strcmp(kind, "coco") == 0)
			return import_coco(file, &o);
		if (o.annotator)
			die(EXIT_BAD_INPUT, "--annotator is for COCO files: CVAT and Label Studio files name their annotators");
		return import_whole(kind, file, &o);
	}
	if (strcmp(argv[1], "export") == 0)
	{
		if (argc < 3 || strcmp(argv[2], "coco") != 0)
			die(EXIT_BAD_INPUT, "export writes coco only (see annqa --help)");
		parse_opts(argc, argv, 3, &o, NULL);
		if (!o.dataset)
			die(EXIT_BAD_INPUT, "export needs --dataset");
		return export_coco(&o);
	}
	if (strcmp(argv[1], "report") == 0)
	{
		parse_opts(argc, argv, 2, &o, NULL);
		if (!o.dataset)
			die(EXIT_BAD_INPUT, "report needs --dataset");
		if (!o.output)
			die(EXIT_BAD_INPUT, "report needs -o FILE (or -o - for standard output)");
		return report(&o);
	}
	if (strcmp(argv[1], "gate") == 0)
	{
		parse_opts(argc, argv, 2, &o, NULL);
		if (!o.batch || !o.version || !o.owner)
			die(EXIT_BAD_INPUT, "gate needs --batch, --version and --owner");
		return gate(&o);
	}
	die(EXIT_BAD_INPUT, "unknown command \"%s\" (see annqa --help)", argv[1]);
	return EXIT_BAD_INPUT;
}
