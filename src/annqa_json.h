/*
 * annqa_json.h - a small, cJSON-free view of a parsed JSON document.
 *
 * json.c is the only file that includes cJSON; it converts cJSON's tree into
 * these palloc'd nodes, so the rest of annqa never sees cJSON types.
 */
#ifndef ANNQA_JSON_H
#define ANNQA_JSON_H

#include "annqa.h"

typedef enum AnnqaJsonKind
{
	ANNQA_JSON_NULL,
	ANNQA_JSON_FALSE,
	ANNQA_JSON_TRUE,
	ANNQA_JSON_NUMBER,
	ANNQA_JSON_STRING,
	ANNQA_JSON_ARRAY,
	ANNQA_JSON_OBJECT
} AnnqaJsonKind;

typedef struct AnnqaJson
{
	AnnqaJsonKind kind;
	double		number;			/* ANNQA_JSON_NUMBER */
	char	   *string;			/* ANNQA_JSON_STRING */
	int			n;				/* number of children (array/object) */
	struct AnnqaJson *items;	/* children, in document order */
	char	  **keys;			/* object member names, or NULL */
} AnnqaJson;

/* Limits; inputs beyond them raise 54000. */
#define ANNQA_JSON_MAX_BYTES	(256 * 1024 * 1024)
#define ANNQA_JSON_MAX_DEPTH	64

/*
 * Parse text (len bytes, need not be NUL-terminated).  A syntax error raises
 * 22P02 naming what (e.g. "annqa.rle") and the byte position of the error.
 * The result is allocated in CurrentMemoryContext.
 */
extern AnnqaJson *annqa_json_parse(const char *text, size_t len, const char *what);

/* The member named key of an object, or NULL. */
extern const AnnqaJson *annqa_json_member(const AnnqaJson *obj, const char *key);

#endif
