/* Which login session a record belongs to, and whether it may serve this
 * caller (session.h): the binding rule of issue 12, finding 1, kept apart
 * from the store that keeps the records. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/identity.h"
#include "core/session.h"
#include "util/jsonutil.h"
#include "util/procinfo.h"

const char *
session_tty_norm(const char *tty)
{
	if (tty == NULL)
		return "";
	if (strncmp(tty, "/dev/", 5) == 0)
		return tty + 5;
	return tty;
}

int
session_record_bind(json_t *rec, const struct proc_id *anchor, uid_t anchor_uid, uint64_t tty_dev)
{
	if (anchor->pid <= 1 || anchor->start < 0 || tty_dev > (uint64_t)INT64_MAX)
		return -1;
	if (json_object_set_new(rec, "anchor_pid", json_integer((json_int_t)anchor->pid)) != 0 ||
	    json_object_set_new(rec, "anchor_start", json_integer((json_int_t)anchor->start)) != 0 ||
	    json_object_set_new(rec, "anchor_uid", json_integer((json_int_t)anchor_uid)) != 0 ||
	    json_object_set_new(rec, "tty_dev", json_integer((json_int_t)tty_dev)) != 0)
		return -1;
	return 0;
}

enum reuse_mode
session_reuse_mode(const struct oidc_config *cfg, const char *service)
{
	if (cfg->reuse != REUSE_DEFAULT)
		return cfg->reuse;
	/* A new ssh connection is a new place: it proves itself anew. */
	if (service != NULL && strcmp(service, "sshd") == 0)
		return REUSE_NONE;
	return REUSE_SAME_TTY;
}

const char *
session_binding_reason(const json_t *rec, const struct proc_caller *caller, enum reuse_mode mode)
{
	const json_t *pid = json_object_get(rec, "anchor_pid"), *start = json_object_get(rec, "anchor_start");
	const json_t *tty = json_object_get(rec, "tty_dev");
	struct proc_id anchor;

	if (caller == NULL)
		return "the caller's session is unknown";
	/* su alice run by bob, login and sshd (root): not alice herself. */
	if (json_integer_value(json_object_get(rec, "uid")) != (json_int_t)caller->uid)
		return "the invoking user is not the record's user";
	if (!json_is_integer(pid) || !json_is_integer(start) || !json_is_integer(tty) ||
	    !json_is_integer(json_object_get(rec, "anchor_uid")))
		return "record is not bound to a login session";
	/* Earned by su alice in bob's session: that session, its terminal
	 * and its background jobs are bob's (TIOCSTI, sudo -u alice), never a
	 * place where alice's record may serve. Root's (login, sshd) or
	 * alice's own sessions only. */
	if (json_integer_value(json_object_get(rec, "anchor_uid")) != 0 &&
	    json_integer_value(json_object_get(rec, "anchor_uid")) != json_integer_value(json_object_get(rec, "uid")))
		return "record was earned in another user's session";
	anchor.pid = (int64_t)json_integer_value(pid);
	anchor.start = (int64_t)json_integer_value(start);
	/* A pid alone is handed out again; a pid with its start time is not. */
	if (!procinfo_chain_has(caller, &anchor))
		return "the caller is not inside the login session that earned the record";
	/* A session without a terminal when it was earned (sshd authenticates
	 * before it allocates the pty) is bound by its process alone. */
	if (mode != REUSE_ANY && json_integer_value(tty) != 0 && (uint64_t)json_integer_value(tty) != caller->tty)
		return "record belongs to another terminal";
	return NULL;
}

const char *
session_unusable_reason(const struct oidc_config *cfg, const json_t *rec, const char *user, const char *service,
    const struct proc_caller *caller, int64_t now)
{
	json_int_t expires = json_integer_value(json_object_get(rec, "expires"));
	json_int_t created = json_integer_value(json_object_get(rec, "created"));
	json_int_t auth_time = json_integer_value(json_object_get(rec, "auth_time"));
	enum reuse_mode mode = session_reuse_mode(cfg, service);
	const char *why;
	json_t *claims;
	struct oidc_error perr = { 0 };
	int bad;

	if (mode == REUSE_NONE)
		return "reuse is off for this service";
	if (strcmp(json_string_value(json_object_get(rec, "user")), user) != 0)
		return "record is for another user";
	if (strcmp(json_string_value(json_object_get(rec, "iss")), cfg->issuer) != 0)
		return "record is from another issuer";
	if (expires <= now)
		return "record expired";
	/* pam-oidc recheck found it revoked and is ending its session. */
	if (json_is_true(json_object_get(rec, "revoked")))
		return "record revoked";
	/* A su or sudo inside its login closed, revoke_on_logout = yes: kept
	 * only so that pam-oidc recheck goes on checking the login. */
	if (json_is_true(json_object_get(rec, "logged_out")))
		return "record closed at logout (revoke_on_logout)";
	if (created > now + cfg->leeway)
		return "record created in the future";
	/* A record made under a longer ttl serves this service only as long
	 * as this service's own ttl allows. */
	if (now - created >= cfg->session_ttl)
		return "record older than this service's session_ttl";
	if (cfg->max_age > 0 && now - auth_time > cfg->max_age)
		return "authentication older than max_age";
	if ((why = session_binding_reason(rec, caller, mode)) != NULL)
		return why;
	/* The service's own policy, against what the login proved. */
	if ((claims = session_record_claims(cfg, rec)) == NULL)
		return "out of memory";
	bad = identity_check_policy(cfg, claims, user, &perr) != 0;
	json_decref(claims);
	return bad ? "this service's policy refuses it" : NULL;
}

json_t *
session_record_claims(const struct oidc_config *cfg, const json_t *rec)
{
	json_t *claims = json_object();

	if (claims == NULL)
		return NULL;
	/* Groups read from another claim (another service's groups_claim)
	 * are not this service's groups. */
	if (json_object_get(rec, "groups") != NULL && json_is_string(json_object_get(rec, "groups_claim")) &&
	    strcmp(json_string_value(json_object_get(rec, "groups_claim")), cfg->groups_claim) == 0)
		json_object_set(claims, cfg->groups_claim, json_object_get(rec, "groups"));
	if (json_object_get(rec, "acr") != NULL)
		json_object_set(claims, "acr", json_object_get(rec, "acr"));
	if (json_object_get(rec, "hd") != NULL)
		json_object_set(claims, "hd", json_object_get(rec, "hd"));
	if (json_object_get(rec, "amr") != NULL)
		json_object_set(claims, "amr", json_object_get(rec, "amr"));
	return claims;
}
