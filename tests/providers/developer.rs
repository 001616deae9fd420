//! Fakes of developer and collaboration tools, each written from the provider's documentation
//! (cited per entry; what the stored docs didn't confirm is said so in
//! /work/notes/quirks-research.md and in the entry's comment).

use authdeck::flow::StepId;
use serde_json::json;

use super::fakes::Reply;
use super::provider::*;

/// GitHub OAuth app.
/// https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps: client_id
/// and client_secret are required parameters of the token request; the answer is form-encoded
/// unless JSON is asked for; OAuth-app tokens carry no expires_in. Errors come with HTTP 200
/// (https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors).
/// The REST API refuses requests without a User-Agent
/// (https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api).
pub const GITHUB: Provider = Provider {
    preset: "github",
    answers: &[],
    authorize: Authorize { path: "/login/oauth/authorize", requires: &[], callback: Callback::Plain, pkce: false },
    token: Token {
        path: "/login/oauth/access_token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Never,
        response: |i| json!({"access_token": i.access_token, "scope": "read:user,user:email", "token_type": "bearer"}),
        refuse: |reason| {
            json_reply(
                200,
                json!({"error": "incorrect_client_credentials", "error_description": reason,
                "error_uri": "/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials"}),
            )
        },
    },
    refresh: None,
    userinfo: UserInfo {
        method: "GET",
        paths: &["/user"],
        token: TokenIn::Bearer,
        headers: &[("user-agent", ""), ("accept", "application/vnd.github+json")],
        body: None,
        response: |_| json!({"login": "octocat", "id": 583231, "name": null, "email": null}),
        refuse: |reason| json_reply(403, json!({"message": reason})),
    },
    expect: Expect { identity: "octocat (583231)", expires_in: None, refresh_expires_in: None, kept: &[] },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "incorrect_client_credentials"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

fn slack_ok_false(reason: &str) -> Reply {
    json_reply(200, json!({"ok": false, "error": "invalid_request", "warning": reason}))
}

/// Slack, user token.
/// https://docs.slack.dev/reference/methods/oauth.v2.access: client id and secret by HTTP Basic
/// (preferred) or as parameters; user scopes (https://docs.slack.dev/authentication/installing-with-oauth)
/// give the user token under `authed_user` — without bot scopes there is no top-level access_token;
/// errors are HTTP 200 with `"ok": false`. users.identity
/// (https://docs.slack.dev/reference/methods/users.identity) takes the user token.
pub const SLACK: Provider = Provider {
    preset: "slack",
    answers: &[],
    authorize: Authorize {
        path: "/oauth/v2/authorize",
        requires: &[("user_scope", "identity.basic,identity.email")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/api/oauth.v2.access",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Never,
        response: |i| {
            json!({"ok": true, "app_id": "A0FAKE", "authed_user": {"id": "U0FAKE", "scope": "identity.basic,identity.email",
                "access_token": i.access_token, "token_type": "user"}, "team": {"id": "T0FAKE", "name": "Fake Team"},
                "enterprise": null, "is_enterprise_install": false})
        },
        refuse: slack_ok_false,
    },
    refresh: None,
    userinfo: UserInfo {
        method: "GET",
        paths: &["/api/users.identity"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"ok": true, "user": {"name": "Ann Lee", "id": "U0FAKE", "email": "ann@example.test"}, "team": {"id": "T0FAKE"}}),
        refuse: |_| json_reply(200, json!({"ok": false, "error": "invalid_auth"})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (U0FAKE)",
        expires_in: None,
        refresh_expires_in: None,
        kept: &[("token.team.id", "T0FAKE"), ("token.team.name", "Fake Team")],
    },
    // User scopes are asked as user_scope; the token request's answer has no top-level
    // access_token without bot scopes, which the preset's mapping reads under authed_user.
    rfc: Rfc::AuthorizeRefused,
    rfc_scopes: None,
    rfc_userinfo: None,
};

fn notion_error(reason: &str) -> Reply {
    json_reply(400, json!({"object": "error", "status": 400, "code": "invalid_request", "message": reason}))
}

/// Notion public connection.
/// https://developers.notion.com/reference/create-a-token: Basic authentication header, a JSON
/// body; the answer carries the owner and workspace, and a refresh token
/// (https://developers.notion.com/reference/refresh-a-token: same URL, JSON, new tokens). Every
/// API call needs Notion-Version (https://developers.notion.com/reference/authentication);
/// /v1/users/me returns the bot, its owner the user (https://developers.notion.com/reference/get-self).
pub const NOTION: Provider = Provider {
    preset: "notion",
    answers: &[],
    authorize: Authorize {
        path: "/v1/oauth/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/v1/oauth/token",
        auth: ClientAuthRule::Basic,
        body: BodyRule::Json,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "bearer", "refresh_token": i.refresh_token,
                "bot_id": "b0000000-fake", "workspace_id": "w0000000-fake", "workspace_name": "Ann's Workspace",
                "workspace_icon": null, "owner": {"type": "user", "user": {"object": "user", "id": "u0000000-fake",
                "name": "Ann Lee", "type": "person", "person": {"email": "ann@example.test"}}},
                "duplicated_template_id": null, "request_id": "r-1"})
        },
        refuse: notion_error,
    },
    refresh: Some(Refresh {
        path: "/v1/oauth/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "bearer", "refresh_token": i.refresh_token,
                "bot_id": "b0000000-fake", "workspace_id": "w0000000-fake", "workspace_name": "Ann's Workspace"})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1/users/me"],
        token: TokenIn::Bearer,
        headers: &[("notion-version", "")],
        body: None,
        response: |_| {
            json!({"object": "user", "id": "b0000000-fake", "type": "bot", "name": "Fake connection",
                "bot": {"owner": {"type": "user", "user": {"object": "user", "id": "u0000000-fake", "name": "Ann Lee",
                "type": "person", "person": {"email": "ann@example.test"}}}, "workspace_name": "Ann's Workspace"}})
        },
        refuse: |reason| {
            json_reply(400, json!({"object": "error", "status": 400, "code": "missing_version", "message": reason}))
        },
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (u0000000-fake)",
        expires_in: None,
        refresh_expires_in: None,
        kept: &[
            ("token.workspace_id", "w0000000-fake"),
            ("token.workspace_name", "Ann's Workspace"),
            ("token.bot_id", "b0000000-fake"),
        ],
    },
    // The documented token request is JSON: a form body is refused.
    rfc: Rfc::FailsAt(StepId::TokenExchange, "HTTP 400"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Twitch.
/// https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow:
/// client_id and client_secret in the body; the answer's `scope` is a JSON list (Auth.js works
/// around it). Helix (https://dev.twitch.tv/docs/api/reference/#get-users) wants the Client-Id
/// header beside the token and answers in `data`. (The pages were not in the stored corpus: from
/// Auth.js and Nango, see the research notes.)
pub const TWITCH: Provider = Provider {
    preset: "twitch",
    answers: &[],
    authorize: Authorize { path: "/oauth2/authorize", requires: &[], callback: Callback::Plain, pkce: false },
    token: Token {
        path: "/oauth2/token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 14124, "refresh_token": i.refresh_token,
                "scope": ["user:read:email"], "token_type": "bearer"})
        },
        refuse: |reason| json_reply(400, json!({"status": 400, "message": format!("missing client id ({reason})")})),
    },
    refresh: Some(Refresh {
        path: "/oauth2/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "refresh_token": i.refresh_token, "expires_in": 14124,
                "scope": ["user:read:email"], "token_type": "bearer"})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/helix/users"],
        token: TokenIn::Bearer,
        headers: &[("client-id", CLIENT_ID)],
        body: None,
        response: |_| {
            json!({"data": [{"id": "141981764", "login": "twitchdev", "display_name": "TwitchDev", "type": "",
                "broadcaster_type": "partner", "email": "dev@example.test"}]})
        },
        refuse: |reason| json_reply(401, json!({"error": "Unauthorized", "status": 401, "message": reason})),
    },
    expect: Expect {
        identity: "TwitchDev <dev@example.test> (141981764)",
        expires_in: Some(14124),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "missing client id"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Figma.
/// https://developers.figma.com/docs/rest-api/authentication/ (its OAuth part not in the stored
/// corpus): the token endpoint moved to https://api.figma.com/v1/oauth/token in 2025
/// (https://community.auth0.com/t/figma-tokenurl-migration/182728); Basic client authentication
/// (Nango's `token_request_auth_method: basic`); refreshes at their own URL,
/// https://api.figma.com/v1/oauth/refresh, with the refresh token alone, answering no new refresh
/// token (Nango's `refresh_url`; clients' code).
pub const FIGMA: Provider = Provider {
    preset: "figma",
    answers: &[],
    authorize: Authorize {
        path: "/oauth",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/v1/oauth/token",
        auth: ClientAuthRule::Basic,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"user_id": 1_234_567, "user_id_string": "1234567", "access_token": i.access_token,
                "refresh_token": i.refresh_token, "expires_in": 7_776_000})
        },
        refuse: |reason| json_reply(400, json!({"error": true, "status": 400, "message": reason})),
    },
    refresh: Some(Refresh {
        path: "/v1/oauth/refresh",
        grant_type: false,
        rotates: false,
        response: |i| json!({"access_token": i.access_token, "expires_in": 7_776_000}),
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"id": "1234567", "handle": "Ann Lee", "email": "ann@example.test", "img_url": "https://example.test/a.png"}),
        refuse: |reason| json_reply(403, json!({"status": 403, "err": reason})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (1234567)",
        expires_in: Some(7_776_000),
        refresh_expires_in: None,
        kept: &[("token.user_id_string", "1234567")],
    },
    rfc: Rfc::RefreshFails("unsupported grant_type refresh_token"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Atlassian (Jira, Confluence Cloud), OAuth 2.0 (3LO).
/// https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/ (not in the stored
/// corpus; Nango and Auth.js): `audience=api.atlassian.com` and `prompt=consent` on the
/// authorization request, the token request as JSON with the client's credentials in it,
/// `offline_access` for a refresh token, which rotates
/// (https://developer.atlassian.com/cloud/oauth/getting-started/refresh-tokens/); /me has account_id.
pub const ATLASSIAN: Provider = Provider {
    preset: "atlassian",
    answers: &[],
    authorize: Authorize {
        path: "/authorize",
        requires: &[("audience", "api.atlassian.com"), ("prompt", "consent")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/oauth/token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Json,
        redirect_uri: true,
        refresh_when: RefreshWhen::Scope("offline_access"),
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3600, "token_type": "Bearer",
                "refresh_token": i.refresh_token, "scope": i.scope})
        },
        refuse: |reason| json_reply(403, json!({"error": "access_denied", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/oauth/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3600, "token_type": "Bearer",
                "refresh_token": i.refresh_token, "scope": i.scope})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"account_type": "atlassian", "account_id": "112233aa-bb-cc", "email": "ann@example.test",
                "name": "Ann Lee", "picture": "https://example.test/a.png", "account_status": "active"})
        },
        refuse: |reason| json_reply(401, json!({"code": 401, "message": reason})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (112233aa-bb-cc)",
        expires_in: Some(3600),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::AuthorizeRefused,
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Linear.
/// https://linear.app/developers/oauth-2-0-authentication (not in the stored corpus; Nango):
/// comma-separated scopes, the client's credentials in the token request's body; no refresh token
/// for this preset's apps (not confirmed here). The user is read by GraphQL
/// (https://linear.app/developers/graphql): a POST of `{ viewer { id name email } }`.
pub const LINEAR: Provider = Provider {
    preset: "linear",
    answers: &[],
    authorize: Authorize {
        path: "/oauth/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/oauth/token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Never,
        response: |i| json!({"access_token": i.access_token, "token_type": "Bearer", "expires_in": 315_705_599, "scope": ["read"]}),
        refuse: |reason| json_reply(400, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: None,
    userinfo: UserInfo {
        method: "POST",
        paths: &["/graphql"],
        token: TokenIn::Bearer,
        headers: &[("content-type", "application/json")],
        body: Some("viewer"),
        response: |_| json!({"data": {"viewer": {"id": "2f3a-fake", "name": "Ann Lee", "email": "ann@example.test"}}}),
        refuse: |reason| json_reply(400, json!({"errors": [{"message": reason}]})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (2f3a-fake)",
        expires_in: Some(315_705_599),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "invalid_client"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Intercom.
/// https://developers.intercom.com/docs/build-an-integration/learn-more/authentication/setting-up-oauth
/// (not in the stored corpus; Nango): regional hosts, the token at /auth/eagle/token with the
/// client's credentials as parameters, answered as both `token` and `access_token`, no expiry and no
/// refresh; /me is the admin (https://developers.intercom.com/docs/references/rest-api/api.intercom.io/admins/identifyadmin).
pub const INTERCOM: Provider = Provider {
    preset: "intercom",
    answers: &[("region", "eu")],
    authorize: Authorize { path: "/oauth", requires: &[], callback: Callback::Plain, pkce: false },
    token: Token {
        path: "/auth/eagle/token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: false,
        refresh_when: RefreshWhen::Never,
        response: |i| json!({"token_type": "Bearer", "token": i.access_token, "access_token": i.access_token}),
        refuse: |reason| {
            json_reply(401, json!({"type": "error.list", "errors": [{"code": "unauthorized", "message": reason}]}))
        },
    },
    refresh: None,
    userinfo: UserInfo {
        method: "GET",
        paths: &["/me"],
        token: TokenIn::Bearer,
        headers: &[("intercom-version", "")],
        body: None,
        response: |_| {
            json!({"type": "admin", "id": "991267", "email": "ann@example.test", "name": "Ann Lee",
                "email_verified": true, "app": {"type": "app", "id_code": "abc123", "name": "Fake App", "region": "EU"}})
        },
        refuse: |reason| {
            json_reply(401, json!({"type": "error.list", "errors": [{"code": "unauthorized", "message": reason}]}))
        },
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (991267)",
        expires_in: None,
        refresh_expires_in: None,
        kept: &[("userinfo.app.id_code", "abc123")],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "HTTP 401"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Asana.
/// https://developers.asana.com/docs/oauth (not in the stored corpus; Nango, grant): PKCE, the
/// client's credentials as parameters, the user in the token response's `data`, and everything
/// under `data` at /users/me (https://developers.asana.com/reference/getuser); refreshes return
/// no new refresh token.
pub const ASANA: Provider = Provider {
    preset: "asana",
    answers: &[],
    authorize: Authorize {
        path: "/-/oauth_authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/-/oauth_token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3600, "token_type": "bearer", "refresh_token": i.refresh_token,
                "data": {"id": 4_673_218_951_u64, "gid": "4673218951", "name": "Ann Lee", "email": "ann@example.test"}})
        },
        refuse: |reason| json_reply(401, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/-/oauth_token",
        grant_type: true,
        rotates: false,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3600, "token_type": "bearer",
            "data": {"gid": "4673218951", "name": "Ann Lee", "email": "ann@example.test"}})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/api/1.0/users/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"data": {"gid": "4673218951", "email": "ann@example.test", "name": "Ann Lee", "resource_type": "user"}}),
        refuse: |reason| json_reply(401, json!({"errors": [{"message": reason}]})),
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (4673218951)",
        expires_in: Some(3600),
        refresh_expires_in: None,
        kept: &[("token.data.gid", "4673218951")],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "invalid_client"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Discord.
/// https://discord.com/developers/docs/topics/oauth2 (not read in full here; Auth.js): a form
/// token request with the client's credentials by Basic or in the body, 7-day tokens and refresh
/// tokens; /users/@me (https://discord.com/developers/docs/resources/user#get-current-user) with
/// `global_name` beside `username`.
pub const DISCORD: Provider = Provider {
    preset: "discord",
    answers: &[],
    authorize: Authorize {
        path: "/oauth2/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/api/oauth2/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "expires_in": 604_800,
                "refresh_token": i.refresh_token, "scope": "identify email"})
        },
        refuse: oauth_error,
    },
    refresh: Some(Refresh {
        path: "/api/oauth2/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "expires_in": 604_800,
                "refresh_token": i.refresh_token, "scope": "identify email"})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/api/users/@me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"id": "80351110224678912", "username": "nelly", "discriminator": "0", "global_name": "Nelly",
                "avatar": null, "email": "nelly@example.test", "verified": true})
        },
        refuse: |reason| json_reply(401, json!({"message": reason, "code": 0})),
    },
    expect: Expect {
        identity: "Nelly <nelly@example.test> (80351110224678912)",
        expires_in: Some(604_800),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::Works,
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// GitLab (gitlab.com or self-managed).
/// https://docs.gitlab.com/api/oauth2/ (not in the stored corpus; Auth.js): PKCE, the client's
/// credentials as parameters (Doorkeeper takes Basic too), 2-hour tokens with `created_at`,
/// rotating refresh tokens; /api/v4/user (https://docs.gitlab.com/api/users/#get-the-current-user).
pub const GITLAB: Provider = Provider {
    preset: "gitlab",
    answers: &[("host", "gitlab.example.test")],
    authorize: Authorize {
        path: "/oauth/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/oauth/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "expires_in": 7200,
                "refresh_token": i.refresh_token, "scope": "read_user", "created_at": authdeck::model::time::now()})
        },
        refuse: oauth_error,
    },
    refresh: Some(Refresh {
        path: "/oauth/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "expires_in": 7200,
                "refresh_token": i.refresh_token, "scope": "read_user", "created_at": authdeck::model::time::now()})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/api/v4/user"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"id": 1, "username": "john_smith", "name": null, "email": "john@example.test", "state": "active"}),
        refuse: |reason| json_reply(401, json!({"message": format!("401 Unauthorized ({reason})")})),
    },
    expect: Expect {
        identity: "john_smith <john@example.test> (1)",
        expires_in: Some(7200),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::Works,
    rfc_scopes: None,
    rfc_userinfo: None,
};
