// The C half of the native bridge hooks (native.ts): compiled at run time by Frida's CModule (TinyCC).
//
// Each hook runs on the calling Java thread, records what it sees as one binary record appended to a
// shared buffer, and calls the original method through JNI. No JavaScript runs per call: native.ts
// takes the buffer every FLUSH_MS and sends it as is; harness/instrument/frida.py (BridgeRecords)
// parses it. Record layout (little-endian):
//
//   u8 kind (1 call, 2 result, 3 exception of an async call)   u8 arity   u8 flags   u8 0
//   i32 callbackId   i64 t   i64 t_result (0: none)   u64 site
//   then, per flags, strings as  u32 length  u32 stored  u16[stored]  (length 0xffffffff: null):
//     call: api, data, [result], [exc], [extra, java stack]   result: result   exception: exc
//
// flags: 1 sync, 2 result present, 4 exc present, 8 first call of its site (extra + stack follow).
// The site is a hash of (api, extra, JNIEnv): extra carries the JS stack of the call, the JNIEnv is the
// thread. The Java stack is read (by stack.ts, through a NativeCallback) on the first call of each site
// only; later calls name the site and the Python side gives them its stacks.
export const C_SOURCE = `
#include <glib.h>
#include <string.h>

typedef void *jobject;
typedef union { int i; unsigned char z; long long j; void *l; } jvalue;

#define FN(env, i) ((*(void ***) (env))[i])
#define J_THROW 13
#define J_EXCEPTION_OCCURRED 15
#define J_EXCEPTION_CLEAR 17
#define J_NEW_GLOBAL_REF 21
#define J_GET_OBJECT_CLASS 31
#define J_CALL_OBJECT_METHOD_A 36
#define J_CALL_NONVIRTUAL_OBJECT_METHOD_A 66
#define J_CALL_NONVIRTUAL_VOID_METHOD_A 93
#define J_GET_STRING_LENGTH 164
#define J_GET_STRING_REGION 220
#define J_EXCEPTION_CHECK 228

typedef jobject (*ObjectOfF) (void *, jobject);
typedef jobject (*CallA) (void *, jobject, void *, jvalue *);
typedef jobject (*NonvirtualA) (void *, jobject, jobject, void *, jvalue *);
typedef void (*NonvirtualVoidA) (void *, jobject, jobject, void *, jvalue *);
typedef int (*IntOfF) (void *, jobject);
typedef void (*RegionF) (void *, jobject, int, int, void *);
typedef unsigned char (*CheckF) (void *);
typedef void (*VoidF) (void *);
typedef int (*ThrowF) (void *, jobject);
typedef jobject (*EnvObjectF) (void *);
typedef int (*ClockF) (int, void *);

/* set by native.ts */
extern void *invoke5_original;       /* jmethodID of the original 5-argument nativeInvokeHandler */
extern void *invoke7_original;       /* ... of the 7-argument form (0 when absent) */
extern void *callback_original;      /* ... of invokeCallbackHandler */
extern void *stack_reader;           /* int (guint16 *chars, int capacity): the Java stack, from stack.ts */
extern void *throwable_to_string;    /* Throwable.toString() */
extern void *clock_gettime_fn;
extern unsigned int max_field_chars;
extern unsigned int state_bytes;     /* size of the memory behind state */

#define SITE_SLOTS 4096
#define MAX_ACTIVE 256

/* A recorded call in progress on a thread (JNIEnv). */
typedef struct { void *env; int cb; guint64 api; } Active;

/* All mutable state: a CModule's own data is read-only, so native.ts allocates this. */
typedef struct {
  GMutex lock;
  guint8 *records;                     /* g_malloc'd, handed to native.ts by take() */
  gsize size;
  gsize capacity;
  guint n_records;
  guint64 sites[SITE_SLOTS];
  void *invoke_class;
  void *callback_class;
  int n_active;
  Active active[MAX_ACTIVE];
} State;

extern State state;

/* A string field of a record: a Java string (read when appended) or chars of our own. */
typedef struct { jobject s; const guint16 *chars; int length; int stored; } Field;

/* 0 when state_bytes is too small for State. */
int init (void) {
  if (sizeof (State) > state_bytes) {
    return 0;
  }
  memset (&state, 0, sizeof (State));
  g_mutex_init (&state.lock);
  return 1;
}

/* The records so far (g_free them with release()), their number in *count and size in *size; NULL when none. */
guint8 * take (guint *count, gsize *size) {
  guint8 *out;
  g_mutex_lock (&state.lock);
  out = state.records;
  *count = state.n_records;
  *size = state.size;
  state.records = NULL;
  state.size = 0;
  state.capacity = 0;
  state.n_records = 0;
  g_mutex_unlock (&state.lock);
  return out;
}

void release (guint8 *taken) {
  g_free (taken);
}

gsize queued_bytes (void) {
  return state.size;
}

static gint64 now_ns (void) {
  long ts[2];
  ((ClockF) clock_gettime_fn) (1, ts);
  return (gint64) ts[0] * 1000000000 + ts[1];
}

static Field java_field (void *env, jobject s) {
  Field f;
  f.s = s;
  f.chars = NULL;
  f.length = s == NULL ? -1 : ((IntOfF) FN (env, J_GET_STRING_LENGTH)) (env, s);
  f.stored = f.length > (int) max_field_chars ? (int) max_field_chars : (f.length < 0 ? 0 : f.length);
  return f;
}

static Field chars_field (const guint16 *chars, int n) {
  Field f;
  f.s = NULL;
  f.chars = chars;
  f.length = chars == NULL ? -1 : n;
  f.stored = chars == NULL ? 0 : n;
  return f;
}

#define FNV_PRIME 1099511628211ULL

/* A Java string's chars read once (into the inline buffer when they fit), up to max_field_chars. */
#define INLINE_CHARS 256
typedef struct { guint16 inline_chars[INLINE_CHARS]; guint16 *chars; int length; int stored; } Chars;

static void read_chars (void *env, jobject s, Chars *c) {
  c->length = s == NULL ? -1 : ((IntOfF) FN (env, J_GET_STRING_LENGTH)) (env, s);
  c->stored = c->length > (int) max_field_chars ? (int) max_field_chars : (c->length < 0 ? 0 : c->length);
  c->chars = c->stored <= INLINE_CHARS ? c->inline_chars : g_new (guint16, c->stored);
  if (c->stored > 0) {
    ((RegionF) FN (env, J_GET_STRING_REGION)) (env, s, 0, c->stored, c->chars);
  }
}

static void free_chars (Chars *c) {
  if (c->chars != c->inline_chars) {
    g_free (c->chars);
  }
}

static Field chars_of (const Chars *c) {
  Field f;
  f.s = NULL;
  f.chars = c->chars;
  f.length = c->length;
  f.stored = c->stored;
  return f;
}

#define MIX 0x9E3779B97F4A7C15ULL

/* A 64-bit hash of the chars, four at a time (x86-64 and arm64 read unaligned words); NULL and "" differ. */
static guint64 hash_chars (const Chars *c, guint64 h) {
  int i = 0, n = c->stored;
  for (; i + 4 <= n; i += 4) {
    h = (h ^ *(const guint64 *) (c->chars + i)) * MIX;
    h ^= h >> 29;
  }
  for (; i < n; i++) {
    h = (h ^ c->chars[i]) * MIX;
  }
  return (h ^ (guint64) (gint64) c->length) * MIX;
}

/* Lock held. TRUE the first time a site is seen (it is remembered then); once the table is full,
   every site not in it counts as new, so its stack is read again rather than lost. */
static gboolean first_of_site (guint64 site) {
  guint64 key = site == 0 ? 1 : site;
  unsigned int i, slot = (unsigned int) (key % SITE_SLOTS);
  for (i = 0; i < SITE_SLOTS; i++) {
    guint64 *cell = &state.sites[(slot + i) % SITE_SLOTS];
    if (*cell == key) {
      return FALSE;
    }
    if (*cell == 0) {
      *cell = key;
      return TRUE;
    }
  }
  return TRUE;
}

/* Lock held. Is this thread already inside a recorded call with this api and callbackId (an overload
   delegating to another)? Otherwise note that it now is (*slot: its entry, -1 when the table is full). */
static gboolean enter (void *env, int cb, guint64 api, int *slot) {
  int i;
  *slot = -1;
  for (i = 0; i < state.n_active; i++) {
    if (state.active[i].env == env && state.active[i].cb == cb && state.active[i].api == api) {
      return TRUE;
    }
  }
  if (state.n_active < MAX_ACTIVE) {
    *slot = state.n_active;
    state.active[state.n_active].env = env;
    state.active[state.n_active].cb = cb;
    state.active[state.n_active].api = api;
    state.n_active++;
  }
  return FALSE;
}

/* Lock held. */
static void leave (const Active *call) {
  int i;
  for (i = state.n_active - 1; i >= 0; i--) {
    if (state.active[i].env == call->env && state.active[i].cb == call->cb && state.active[i].api == call->api) {
      state.active[i] = state.active[state.n_active - 1];
      state.n_active--;
      return;
    }
  }
}

static void put_u32 (guint8 *p, guint32 v) { memcpy (p, &v, 4); }
static void put_i64 (guint8 *p, gint64 v) { memcpy (p, &v, 8); }

static gsize field_size (const Field *f) {
  return 8 + 2 * (gsize) f->stored;
}

/* One record: the header, then the fields, appended under the lock in one piece; leaving (or NULL) is
   the call in progress that ends with this record. */
static void append (void *env, int kind, int arity, int flags, int cb, gint64 t, gint64 t_result, guint64 site,
                    const Field *fields, int n, const Active *leaving) {
  gsize size = 32;
  guint8 *p;
  int i;
  for (i = 0; i < n; i++) {
    size += field_size (&fields[i]);
  }
  g_mutex_lock (&state.lock);
  if (leaving != NULL) {
    leave (leaving);
  }
  if (state.size + size > state.capacity) {
    state.capacity = MAX (state.capacity * 2, MAX (state.size + size, 1 << 16));
    state.records = g_realloc (state.records, state.capacity);
  }
  p = state.records + state.size;
  state.size += size;
  state.n_records++;
  p[0] = (guint8) kind;
  p[1] = (guint8) arity;
  p[2] = (guint8) flags;
  p[3] = 0;
  put_u32 (p + 4, (guint32) cb);
  put_i64 (p + 8, t);
  put_i64 (p + 16, t_result);
  memcpy (p + 24, &site, 8);
  p += 32;
  for (i = 0; i < n; i++) {
    const Field *f = &fields[i];
    put_u32 (p, (guint32) f->length);
    put_u32 (p + 4, (guint32) f->stored);
    if (f->stored > 0) {
      if (f->chars != NULL) {
        memcpy (p + 8, f->chars, 2 * (gsize) f->stored);
      } else {
        ((RegionF) FN (env, J_GET_STRING_REGION)) (env, f->s, 0, f->stored, p + 8);
      }
    }
    p += field_size (f);
  }
  g_mutex_unlock (&state.lock);
}

/* The calling thread's Java stack, frames separated by newlines, read by the JS stack reader of
   stack.ts (a NativeCallback: taken once per site, so its cost does not matter) into a buffer of ours:
   g_free the result. */
typedef int (*StackF) (guint16 *, int);
#define STACK_CHARS 8192

static guint16 * java_stack (int *n_chars) {
  guint16 *chars = g_new (guint16, STACK_CHARS);
  *n_chars = ((StackF) stack_reader) (chars, STACK_CHARS);
  return chars;
}

static void * class_of (void *env, jobject self, void **cache) {
  if (*cache == NULL) {
    *cache = ((ObjectOfF) FN (env, J_NEW_GLOBAL_REF)) (env, ((ObjectOfF) FN (env, J_GET_OBJECT_CLASS)) (env, self));
  }
  return *cache;
}

/* After the original returned: its pending exception taken and cleared, with its toString() in *text
   (a local ref, or NULL). Returns the exception (rethrow it) or NULL. */
static jobject catch_exception (void *env, jobject *text) {
  jobject ex;
  *text = NULL;
  if (!((CheckF) FN (env, J_EXCEPTION_CHECK)) (env)) {
    return NULL;
  }
  ex = ((EnvObjectF) FN (env, J_EXCEPTION_OCCURRED)) (env);
  ((VoidF) FN (env, J_EXCEPTION_CLEAR)) (env);
  *text = ((CallA) FN (env, J_CALL_OBJECT_METHOD_A)) (env, ex, throwable_to_string, NULL);
  if (((CheckF) FN (env, J_EXCEPTION_CHECK)) (env)) {
    ((VoidF) FN (env, J_EXCEPTION_CLEAR)) (env);
    *text = NULL;
  }
  return ex;
}

static jobject call_original (void *env, jobject self, void *original, jvalue *a) {
  return ((NonvirtualA) FN (env, J_CALL_NONVIRTUAL_OBJECT_METHOD_A)) (env, self,
      class_of (env, self, &state.invoke_class), original, a);
}

/* nativeInvokeHandler: record, call the original (a), record its result or exception. api and extra
   are read once; data and the result straight into the record. */
static jobject invoke (void *env, jobject self, void *original, int arity, jvalue *a) {
  jobject ret, ex, ex_text;
  int cb = a[3].i, sync = a[4].z != 0, slot, stack_n = 0, flags, n = 0;
  guint64 site;
  gint64 t;
  gboolean fresh, nested;
  guint16 *stack = NULL;
  Chars api, extra;
  Active call;
  Field fields[6];

  read_chars (env, a[0].l, &api);
  read_chars (env, a[2].l, &extra);
  call.env = env;
  call.cb = cb;
  call.api = hash_chars (&api, 0xCBF29CE484222325ULL);
  site = hash_chars (&extra, call.api ^ (guint64) (gsize) env);
  g_mutex_lock (&state.lock);
  nested = enter (env, cb, call.api, &slot);
  fresh = !nested && first_of_site (site);
  g_mutex_unlock (&state.lock);
  if (nested) {
    free_chars (&api);
    free_chars (&extra);
    return call_original (env, self, original, a);
  }
  t = now_ns ();
  if (fresh) {
    stack = java_stack (&stack_n);
  }
  flags = (sync ? 1 : 0) | (fresh ? 8 : 0);
  fields[n++] = chars_of (&api);
  fields[n++] = java_field (env, a[1].l);
  if (!sync) {
    if (fresh) {
      fields[n++] = chars_of (&extra);
      fields[n++] = chars_field (stack, stack_n);
    }
    append (env, 1, arity, flags, cb, t, 0, site, fields, n, NULL);  /* before the original: its callback may come first */
  }
  ret = call_original (env, self, original, a);
  ex = catch_exception (env, &ex_text);
  if (sync) {
    gint64 t_result = now_ns ();
    if (ex == NULL) {
      flags |= 2;
      fields[n++] = java_field (env, ret);
    } else {
      flags |= 4;
      fields[n++] = java_field (env, ex_text);
    }
    if (fresh) {
      fields[n++] = chars_of (&extra);
      fields[n++] = chars_field (stack, stack_n);
    }
    append (env, 1, arity, flags, cb, t, t_result, site, fields, n, slot >= 0 ? &call : NULL);
  } else {
    if (ex != NULL) {
      Field exc = java_field (env, ex_text);
      append (env, 3, arity, 4, cb, now_ns (), 0, site, &exc, 1, slot >= 0 ? &call : NULL);
    } else if (slot >= 0) {
      g_mutex_lock (&state.lock);
      leave (&call);
      g_mutex_unlock (&state.lock);
    }
  }
  free_chars (&api);
  free_chars (&extra);
  g_free (stack);
  if (ex != NULL) {
    ((ThrowF) FN (env, J_THROW)) (env, ex);
    return NULL;
  }
  return ret;
}

void * on_invoke5 (void *env, jobject self, jobject api, jobject data, jobject extra, int cb, unsigned char sync) {
  jvalue a[5];
  a[0].l = api; a[1].l = data; a[2].l = extra; a[3].i = cb; a[4].z = sync;
  return invoke (env, self, invoke5_original, 5, a);
}

void * on_invoke7 (void *env, jobject self, jobject api, jobject data, jobject extra, int cb, unsigned char sync,
                   int context, int flags) {
  jvalue a[7];
  a[0].l = api; a[1].l = data; a[2].l = extra; a[3].i = cb; a[4].z = sync; a[5].i = context; a[6].i = flags;
  return invoke (env, self, invoke7_original, 7, a);
}

/* invokeCallbackHandler(int callbackId, String result, String extra): record, then deliver. */
void on_callback (void *env, jobject self, int cb, jobject result, jobject extra) {
  jvalue a[3];
  Field f;
  f = java_field (env, result);
  append (env, 2, 3, 2, cb, now_ns (), 0, 0, &f, 1, NULL);
  a[0].i = cb; a[1].l = result; a[2].l = extra;
  ((NonvirtualVoidA) FN (env, J_CALL_NONVIRTUAL_VOID_METHOD_A)) (env, self, class_of (env, self, &state.callback_class),
      callback_original, a);
}
`;
