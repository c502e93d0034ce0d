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
 * annqa.coco_staging(); annqa.coco_load() then finishes the import.  An
 * annotation that is a box, or a box with polygons, is checked here and sent
 * as typed columns instead of JSON (see fast_annotation).  All of it runs in
 * one transaction: a bad file loads nothing.
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

/* ---------------------------------------------------------------- the typed fast path of annotations */

/*
 * An annotation in one of the common shapes -- a box, or a box with a polygon
 * list -- is checked here and sent as typed columns (ids, box, polygon WKT,
 * ...) without its JSON, so the server does not parse it again and
 * coco_load only has to join its ids.  Anything else is sent as JSON and
 * checked by coco_load in SQL, which names the problem.  The test is strict:
 * a fast object is one the SQL checks accept, with the same values:
 *   - member names without escapes, and none of the names below twice (jsonb
 *     keeps the last of duplicate names);
 *   - "id" (not in results), "image_id", "category_id": integer literals of at
 *     most 15 digits, exactly the text jsonb prints for them;
 *   - "bbox": 4 plain numbers, width and height not negative;
 *   - "segmentation": absent, null, [] or a list of polygons of plain numbers,
 *     each with an even count >= 6 (sent as closed MULTIPOLYGON WKT);
 *   - "score": absent (instances) or a plain number in [0, 1] (results);
 *   - "iscrowd": absent, 0, 1, true or false; "area": absent or a plain number >= 0;
 *   - no "keypoints" and no "attributes".
 * A plain number is -?(0|[1-9][0-9]*)(.[0-9]+)? of at most 40 characters and
 * not a negative zero: no exponent, so float8 input reads it without overflow,
 * to the same double as the SQL path's jsonb -> float8 (jsonb reads -0 as 0).
 */
typedef struct Tok
{
	const char *p;
	size_t		n;
} Tok;

enum
{
	K_ID, K_IMAGE, K_CAT, K_BBOX, K_SEG, K_KP, K_SCORE, K_CROWD, K_AREA, K_ATTR, K_N
};
static const char *const fast_keys[K_N] = {"id", "image_id", "category_id", "bbox", "segmentation",
"keypoints", "score", "iscrowd", "area", "attributes"};

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
}

static int
plain_number(Tok t)
{
	size_t		i = 0,
				d;

	if (t.n == 0 || t.n > 40)
		return 0;
	if (t.p[i] == '-')
		i++;
	if (i >= t.n)
		return 0;
	if (t.p[i] == '0')
		i++;
	else if (t.p[i] >= '1' && t.p[i] <= '9')
		while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9')
			i++;
	else
		return 0;
	if (i < t.n && t.p[i] == '.')
	{
		d = ++i;
		while (i < t.n && t.p[i] >= '0' && t.p[i] <= '9')
			i++;
		if (i == d)
			return 0;
	}
	if (i != t.n)
		return 0;
	/* a negative zero: jsonb's numeric has none (it reads -0 as 0), float8 has */
	if (t.p[0] == '-')
	{
		for (i = 1; i < t.n; i++)
			if (t.p[i] != '0' && t.p[i] != '.')
				return 1;
		return 0;
	}
	return 1;
}

static int
int_token(Tok t)
{
	if (!plain_number(t) || memchr(t.p, '.', t.n))
		return 0;
	return t.n - (t.p[0] == '-') <= 15;
}

static int
tok_is(Tok t, const char *lit)
{
	return t.n == strlen(lit) && memcmp(t.p, lit, t.n) == 0;
}

/* The values of the members named in fast_keys; 0 when the object is not plain. */
static int
fast_members(const char *s, size_t n, Tok *v)
{
	Scan		sc = {s, n, 0, "(object)"};
	int			k;

	memset(v, 0, sizeof(Tok) * K_N);
	skip_ws(&sc);
	if (sc.i >= n || s[sc.i] != '{')
		return 0;
	sc.i++;
	skip_ws(&sc);
	if (sc.i < n && s[sc.i] == '}')
		return 1;
	for (;;)
	{
		size_t		kstart,
					klen,
					vstart;

		skip_ws(&sc);
		if (sc.i >= n || s[sc.i] != '"')
			return 0;
		kstart = ++sc.i;
		while (sc.i < n && s[sc.i] != '"')
		{
			if (s[sc.i] == '\\')
				return 0;
			sc.i++;
		}
		if (sc.i >= n)
			return 0;
		klen = sc.i - kstart;
		sc.i++;
		skip_ws(&sc);
		if (sc.i >= n || s[sc.i] != ':')
			return 0;
		sc.i++;
		skip_ws(&sc);
		vstart = sc.i;
		skip_value(&sc);
		for (k = 0; k < K_N; k++)
			if (klen == strlen(fast_keys[k]) && memcmp(s + kstart, fast_keys[k], klen) == 0)
			{
				if (v[k].p)
					return 0;	/* a duplicate name */
				v[k].p = s + vstart;
				v[k].n = sc.i - vstart;
			}
		skip_ws(&sc);
		if (sc.i < n && s[sc.i] == ',')
		{
			sc.i++;
			continue;
		}
		return sc.i < n && s[sc.i] == '}';
	}
}

/*
 * An array of plain numbers at s[*i]: returns how many (-1 when it is not
 * one); the first nfirst tokens go to first; with wkt, appends the numbers as
 * "x y,x y,..." pairs.
 */
static long
num_array(const char *s, size_t n, size_t *i, Tok *first, int nfirst, Buf *wkt)
{
	long		count = 0;

	while (*i < n && is_blank(s[*i]))
		(*i)++;
	if (*i >= n || s[*i] != '[')
		return -1;
	(*i)++;
	for (;;)
	{
		Tok			t;

		while (*i < n && is_blank(s[*i]))
			(*i)++;
		t.p = s + *i;
		while (*i < n && (s[*i] == '-' || s[*i] == '.' || (s[*i] >= '0' && s[*i] <= '9')))
			(*i)++;
		t.n = (size_t) (s + *i - t.p);
		if (!plain_number(t))
			return -1;
		if (count < nfirst)
			first[count] = t;
		if (wkt)
		{
			if (count > 0)
				buf_put(wkt, count % 2 ? " " : ",", 1);
			buf_put(wkt, t.p, t.n);
		}
		count++;
		while (*i < n && is_blank(s[*i]))
			(*i)++;
		if (*i < n && s[*i] == ',')
		{
			(*i)++;
			continue;
		}
		if (*i < n && s[*i] == ']')
		{
			(*i)++;
			return count;
		}
		return -1;
	}
}

/* A COCO polygon list as closed MULTIPOLYGON WKT (*empty for null or []); 0 when not plain. */
static int
poly_wkt(Tok seg, Buf *wkt, int *empty)
{
	size_t		i = 0;
	int			parts = 0;

	*empty = 0;
	if (tok_is(seg, "null"))
	{
		*empty = 1;
		return 1;
	}
	if (seg.n == 0 || seg.p[0] != '[')
		return 0;
	i = 1;
	while (i < seg.n && is_blank(seg.p[i]))
		i++;
	if (i < seg.n && seg.p[i] == ']')
	{
		*empty = 1;
		return i + 1 == seg.n;
	}
	buf_put(wkt, "MULTIPOLYGON(", 13);
	for (;;)
	{
		Tok			xy[2];
		long		count;

		buf_put(wkt, parts ? ",((" : "((", parts ? 3 : 2);
		count = num_array(seg.p, seg.n, &i, xy, 2, wkt);
		if (count < 6 || count % 2 != 0)
			return 0;
		buf_put(wkt, ",", 1);
		buf_put(wkt, xy[0].p, xy[0].n);
		buf_put(wkt, " ", 1);
		buf_put(wkt, xy[1].p, xy[1].n);
		buf_put(wkt, "))", 2);
		parts++;
		while (i < seg.n && is_blank(seg.p[i]))
			i++;
		if (i < seg.n && seg.p[i] == ',')
		{
			i++;
			continue;
		}
		if (i < seg.n && seg.p[i] == ']')
			break;
		return 0;
	}
	buf_put(wkt, ")", 1);
	return i + 1 == seg.n;
}

/*
 * Append the typed columns of a fast annotation (fid .. wkt, each after a tab)
 * to b; 0 (and b unchanged) when the object is not fast.
 */
static int
fast_annotation(const char *s, size_t n, int results, Buf *b)
{
	Tok			v[K_N],
				box[4];
	size_t		i = 0;
	int			empty = 1;
	Buf			wkt = {0};

	if (!fast_members(s, n, v))
		return 0;
	if ((!results && !int_token(v[K_ID])) || !int_token(v[K_IMAGE]) || !int_token(v[K_CAT]))
		return 0;
	if (v[K_KP].p || v[K_ATTR].p)
		return 0;
	if (!v[K_BBOX].p || num_array(v[K_BBOX].p, v[K_BBOX].n, &i, box, 4, NULL) != 4 || i != v[K_BBOX].n
		|| box[2].p[0] == '-' || box[3].p[0] == '-')
		return 0;
	if (results ? !(v[K_SCORE].p && plain_number(v[K_SCORE]) && v[K_SCORE].p[0] != '-' && strtod(v[K_SCORE].p, NULL) <= 1.0)
		: v[K_SCORE].p != NULL)
		return 0;
	if (v[K_CROWD].p && !tok_is(v[K_CROWD], "0") && !tok_is(v[K_CROWD], "1") && !tok_is(v[K_CROWD], "true")
		&& !tok_is(v[K_CROWD], "false"))
		return 0;
	if (v[K_AREA].p && (!plain_number(v[K_AREA]) || v[K_AREA].p[0] == '-'))
		return 0;
	if (v[K_SEG].p && !poly_wkt(v[K_SEG], &wkt, &empty))
	{
		free(wkt.p);
		return 0;
	}
#define PUT_TOK(t) do { buf_put(b, "\t", 1); if ((t).p) buf_put(b, (t).p, (t).n); else buf_put(b, "\\N", 2); } while (0)
	if (results)
		buf_put(b, "\t\\N", 3);
	else
		PUT_TOK(v[K_ID]);
	PUT_TOK(v[K_IMAGE]);
	PUT_TOK(v[K_CAT]);
	for (int k = 0; k < 4; k++)
		PUT_TOK(box[k]);
	buf_put(b, v[K_CROWD].p && (tok_is(v[K_CROWD], "1") || tok_is(v[K_CROWD], "true")) ? "\tt" : "\tf", 2);
	PUT_TOK(v[K_SCORE]);
	PUT_TOK(v[K_AREA]);
	buf_put(b, "\t", 1);
	if (empty)
		buf_put(b, "\\N", 2);
	else
		buf_put(b, wkt.p, wkt.len);
#undef PUT_TOK
	free(wkt.p);
	return 1;
}

/*
 * Stream the elements of the array starting at sc->i into table; ann: 0 for
 * images and categories, 1 for the annotations of an instances file, 2 for a
 * results list (annotations get the typed columns of the fast path).
 */
static void
copy_array(PGconn *c, Scan *sc, const char *table, Progress *pg, int ann)
{
	char		sql[256];
	PGresult   *r;
	Buf			b = {0};
	long long	pos = 0;

	snprintf(sql, sizeof(sql), "COPY pg_temp.%s (pos, at, obj%s) FROM STDIN", table,
			 ann ? ", fid, img, cat, x, y, bw, bh, crowd, score, area, wkt" : "");
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
			if (ann)
			{
				buf_put(&b, "\\N", 2);
				if (fast_annotation(sc->s + start, sc->i - start, ann == 2, &b))
					goto row_done;
				b.len -= 2;		/* not fast: the JSON, and no typed columns */
			}
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
			if (ann)
				buf_put(&b, "\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N", 33);
	row_done:
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
		PQclear(PQexec(c, sql));	/* only a hint: refused once the session has used temporary tables */
	}
	exec_ok(c, "BEGIN");
	exec_ok(c, "SET LOCAL client_min_messages = warning");
	exec_ok(c, "SELECT annqa.coco_staging()");
	skip_ws(&sc);
	if (sc.i >= sc.n)
		scan_fail(&sc, "a JSON object or array was expected");
	results = sc.s[sc.i] == '[';
	if (results)
		copy_array(c, &sc, "annqa_coco_annotations", &pg, 2);
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
					copy_array(c, &sc, tables[which], &pg, which == 2 ? 1 : 0);
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
