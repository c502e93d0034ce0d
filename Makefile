# annqa: PGXS build.  `make && make install` builds and installs the extension;
# `make demo` and `make test` are the two README commands (see README.md).

EXTENSION  = annqa
EXTVERSION = 0.1.0

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
SHARED    ?= ../shared

MODULE_big = annqa
CORE_SRCS  = $(sort $(wildcard src/core/*.c))
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)) $(CORE_SRCS))

# The install script is concatenated, in order, from the numbered parts in sql/.
SQL_PARTS  = $(sort $(wildcard sql/[0-9][0-9]_*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))

CJSON_CFLAGS := $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS   := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)

# -Wextra minus three warnings that PostgreSQL's own headers and the fmgr calling
# convention trigger (array.h sign-compare, unused fcinfo, partial initialisers).
WARN_FLAGS  = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
PG_CPPFLAGS = -I$(CURDIR)/src -I$(CURDIR)/src/core $(CJSON_CFLAGS) -DUSE_ASSERT_CHECKING
PG_CFLAGS   = $(WARN_FLAGS) $(EXTRA_CFLAGS)
SHLIB_LINK  = $(CJSON_LIBS) -lm $(EXTRA_LDFLAGS)

EXTRA_CLEAN = $(DATA_built) test/unit/bin test/fuzz/bin

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else
all:
	@echo "PostgreSQL server headers are missing: run 'make test' as root (it installs them)," \
	      "or apt-get install postgresql-server-dev-15" >&2; exit 1
endif

# The annqa command-line loader (src/cli), built and installed with the extension.
CLI = src/cli/annqa
all: $(CLI)
$(CLI): src/cli/annqa.c
	$(CC) -O2 -g $(WARN_FLAGS) $(EXTRA_CFLAGS) -I$(shell $(PG_CONFIG) --includedir) $(CJSON_CFLAGS) -o $@ $< \
	    -L$(shell $(PG_CONFIG) --libdir) -lpq $(CJSON_LIBS) $(EXTRA_LDFLAGS)
install: install-cli
install-cli: $(CLI)
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(CLI) '$(DESTDIR)$(bindir)/annqa'
EXTRA_CLEAN += $(CLI)

$(DATA_built): $(SQL_PARTS) Makefile
	@{ for f in $(SQL_PARTS); do echo "-- ---- $$f ----"; cat $$f; echo; done; } > $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------- workflow targets
.PHONY: demo test unit bench asan valgrind fuzz deps

deps:
	bash test/deps.sh

demo:
	SHARED=$(SHARED) bash test/demo.sh

test:
	SHARED=$(SHARED) bash test/run.sh

# C unit tests of the pure functions in src/core (no PostgreSQL needed).
UNIT_TESTS = $(patsubst test/unit/%.c,test/unit/bin/%,$(wildcard test/unit/test_*.c))
test/unit/bin/%: test/unit/%.c $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/unit.h
	@mkdir -p test/unit/bin
	$(CC) -O1 -g $(WARN_FLAGS) $(UNIT_CFLAGS) -Isrc/core -o $@ $< $(CORE_SRCS) -lm
unit: $(UNIT_TESTS)
	@fail=0; for t in $(UNIT_TESTS); do ./$$t || fail=1; done; exit $$fail

bench:
	SHARED=$(SHARED) bash test/bench/run.sh

# The whole regression suite against a build with AddressSanitizer and UBSan.
asan:
	SHARED=$(SHARED) ANNQA_VARIANT=asan bash test/run.sh

# The regression suite with the backend running under valgrind.
valgrind:
	SHARED=$(SHARED) ANNQA_VARIANT=valgrind bash test/run.sh

fuzz:
	bash test/fuzz/run.sh $(FUZZ_SECONDS)
