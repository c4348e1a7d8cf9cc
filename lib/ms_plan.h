/* The save decision: what to do with a session when its response starts.
 *
 * Pure: the caller gathers the facts (what the request did to the session,
 * what the client sent, the lifetime policy, the time) and acts on the
 * answer (the store's save or destroy, the Set-Cookie). The unit test
 * tests/unit/test_plan.c reads as its specification, one row per case. */
#ifndef MS_PLAN_H
#define MS_PLAN_H

#include "ms_lifetime.h"

/* What the request and its client brought. */
typedef struct ms_plan_facts {
    int had_key;          /* the client sent a session key (cookie) */
    int key_rejected;     /* ...that was no good: forged, expired, unknown */
    int store_failed;     /* the store could not answer when loading */
    int modified;         /* the session was changed */
    int empty;            /* the session ends up empty */
    int new_key;          /* flushed or key cycled: the old key must go */
    int answered_500;     /* the response is a 500: Marten saves nothing */
    apr_time_t issued;    /* of the session loaded: authenticated start, 0 unknown */
    apr_time_t seen;      /* ...its last save or touch, 0 unknown */
    apr_time_t expires;   /* ...its expiry, 0 unknown */
    apr_int64_t lifetime; /* seconds a save lives: expires_in or the Max-Age */
} ms_plan_facts;

typedef enum {
    MS_PLAN_NOTHING = 0,  /* no save, no cookie */
    MS_PLAN_EXPIRE,       /* expire the client's cookie (and forget its key) */
    MS_PLAN_REFUSE,       /* changed, but the store could not load: keep all */
    MS_PLAN_TOUCH,        /* save the same data to move the idle clock */
    MS_PLAN_SAVE          /* save the changed session */
} ms_plan_action;

typedef struct ms_plan {
    ms_plan_action action;
    int reuse_key;        /* TOUCH, SAVE: under the client's key (else a new one) */
    int forget_old_key;   /* EXPIRE: destroy the client's key in the store;
                           * SAVE: destroy it once the new one is saved */
    apr_time_t issued;    /* TOUCH, SAVE: the record's times */
    apr_time_t seen;
    apr_time_t expires;
} ms_plan;

/* The decision for facts f under policy pol at now (whole seconds). */
ms_plan ms_plan_decide(const ms_plan_facts *f, const ms_lifetime_policy *pol,
                       apr_time_t now);

const char *ms_plan_action_str(ms_plan_action a);

#endif
