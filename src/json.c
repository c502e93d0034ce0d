/*
 * json.c - cJSON inside the backend.  The only file that includes cJSON.
 *
 * cJSON allocates through palloc in a short-lived child memory context, so
 * an error while parsing (or an out-of-memory) loses nothing and leaks
 * nothing.  The parsed tree is copied out as AnnqaJson nodes (annqa_json.h)
 * and the context is deleted.  Input size and nesting depth are bounded.
 */
#include "annqa.h"

#include <cjson/cJSON.h>

#include "annqa_json.h"
#include "miscadmin.h"
#include "utils/memutils.h"

static MemoryContext json_cxt = NULL;

static void *
json_malloc(size_t sz)
{
	/* returns NULL on failure, which cJSON reports as a parse failure */
	return MemoryContextAllocExtended(json_cxt, sz, MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
}

static void
json_free(void *p)
{
	if (p)
		pfree(p);
}

static AnnqaJson *
convert(const cJSON *src, AnnqaJson *dst, int depth, const char *what)
{
	const cJSON *c;
	int			i;

	check_stack_depth();
	if (depth > ANNQA_JSON_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: JSON nesting is too deep", what),
				 errdetail("The limit is %d levels.", ANNQA_JSON_MAX_DEPTH)));
	memset(dst, 0, sizeof(*dst));
	if (cJSON_IsNull(src))
		dst->kind = ANNQA_JSON_NULL;
	else if (cJSON_IsFalse(src))
		dst->kind = ANNQA_JSON_FALSE;
	else if (cJSON_IsTrue(src))
		dst->kind = ANNQA_JSON_TRUE;
	else if (cJSON_IsNumber(src))
	{
		dst->kind = ANNQA_JSON_NUMBER;
		dst->number = src->valuedouble;
	}
	else if (cJSON_IsString(src))
	{
		dst->kind = ANNQA_JSON_STRING;
		dst->string = pstrdup(src->valuestring);
	}
	else if (cJSON_IsArray(src) || cJSON_IsObject(src))
	{
		bool		obj = cJSON_IsObject(src);

		dst->kind = obj ? ANNQA_JSON_OBJECT : ANNQA_JSON_ARRAY;
		dst->n = cJSON_GetArraySize(src);
		dst->items = palloc_extended(mul_size(sizeof(AnnqaJson), Max(dst->n, 1)), MCXT_ALLOC_HUGE);
		if (obj)
			dst->keys = palloc_extended(mul_size(sizeof(char *), Max(dst->n, 1)), MCXT_ALLOC_HUGE);
		i = 0;
		cJSON_ArrayForEach(c, src)
		{
			CHECK_FOR_INTERRUPTS();
			convert(c, &dst->items[i], depth + 1, what);
			if (obj)
				dst->keys[i] = pstrdup(c->string);
			i++;
		}
	}
	else
		elog(ERROR, "%s: unexpected JSON node type %d", what, src->type);
	return dst;
}

AnnqaJson *
annqa_json_parse(const char *text, size_t len, const char *what)
{
	MemoryContext outer = CurrentMemoryContext;
	MemoryContext cxt;
	cJSON_Hooks hooks;
	char	   *buf;
	const char *end = NULL;
	cJSON	   *root;
	AnnqaJson  *result;

	if (len > ANNQA_JSON_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: JSON input is too large", what),
				 errdetail("The input has %zu bytes; the limit is %d.", len, ANNQA_JSON_MAX_BYTES)));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "annqa json", ALLOCSET_DEFAULT_SIZES);
	json_cxt = cxt;
	hooks.malloc_fn = json_malloc;
	hooks.free_fn = json_free;
	cJSON_InitHooks(&hooks);

	buf = MemoryContextAllocExtended(cxt, len + 1, MCXT_ALLOC_HUGE);
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (strlen(buf) != len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: invalid JSON at byte %zu", what, strlen(buf) + 1),
				 errdetail("The input contains a NUL byte.")));

	root = cJSON_ParseWithOpts(buf, &end, true);
	if (root == NULL)
	{
		size_t		pos = (end && end >= buf) ? (size_t) (end - buf) : 0;

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("%s: invalid JSON at byte %zu", what, pos + 1),
				 errdetail("Parsing stopped near \"%.20s\".", buf + Min(pos, len))));
	}
	MemoryContextSwitchTo(outer);
	result = convert(root, palloc(sizeof(AnnqaJson)), 0, what);
	MemoryContextDelete(cxt);
	json_cxt = NULL;
	return result;
}

const AnnqaJson *
annqa_json_member(const AnnqaJson *obj, const char *key)
{
	int			i;

	if (obj == NULL || obj->kind != ANNQA_JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}
