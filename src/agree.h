/*
 * agree.h - the annqa.agree_state aggregate state.
 *
 * In memory the state is an expanded object (utils/expandeddatum.h): three
 * dictionaries (items, raters, labels: value -> dense id, in simplehash
 * tables), an array of raw ratings (item, rater id, label id), 16 bytes a
 * rating, and, with bigint item keys, the ratings grouped by item: one
 * (key, pattern id) per item over a dictionary of patterns (an item's
 * (rater, label) pairs).  Its flat form (the varlena on disk, between parallel workers and
 * in send/recv) is a validated byte string in network byte order:
 *
 *   uint32 magic 'AGR1'; uint8 version 1, mode, item kind, rater kind,
 *   label kind, statistic, weights, basis, level, has_category, 2 zero bytes;
 *   float8 conf_level; uint32 category label id, number of declared categories;
 *   three dictionaries (uint32 count, then values: int8 | float8 |
 *   uint32 length + bytes); then
 *   - version 1 (text item keys, wide form): uint64 rating count, then
 *     (item, rater, label) as varints: zigzag(item - previous item), rater
 *     id, label id;
 *   - version 2 (bigint item keys, grouped by item; see state_group): the
 *     duplicate (item, rater) pair noted so far (uint8 flag, int8 item key,
 *     uint32 rater id), uint32 pattern count, each pattern a varint length
 *     and (rater id, label id) varints in strictly ascending rater order,
 *     then uint64 item count, each item as varints zigzag(key - previous
 *     key) (keys strictly ascending) and pattern id.
 *
 * The text form is "agree1:" followed by the base64 of those bytes, so it
 * round-trips bit-exactly (Citus ships partial states as text).
 */
#ifndef ANNQA_AGREE_H
#define ANNQA_AGREE_H

#include "postgres.h"
#include "fmgr.h"

#define AGREE_MAGIC 0x41475231	/* "AGR1" */
#define AGREE_VERSION 1			/* raw ratings (text item keys, wide form) */
#define AGREE_VERSION_GROUPED 2	/* grouped by item (bigint item keys) */
#define AGREE_TEXT_PREFIX "agree1:"

/* state modes */
#define AGREE_MODE_LONG 1		/* (item, rater, label) ratings */
#define AGREE_MODE_PAIRS 2		/* wide (label_a, label_b) rows */

/* value kinds of keys and labels */
#define AGREE_KIND_NONE 0
#define AGREE_KIND_INT 1
#define AGREE_KIND_TEXT 2
#define AGREE_KIND_FLOAT 3

#endif
