//! Fakes of identity and consumer providers, each written from the provider's documentation
//! (cited per entry; what the stored docs didn't confirm is said so in
//! /work/notes/quirks-research.md and in the entry's comment).

use authdeck::flow::StepId;
use serde_json::json;

use super::provider::*;

/// Google.
/// https://developers.google.com/identity/protocols/oauth2/web-server (not in the stored corpus;
/// Nango, grant): a refresh token only with `access_type=offline` (and again only with
/// `prompt=consent`), PKCE, the OpenID Connect userinfo; refreshes return no new refresh token.
pub const GOOGLE: Provider = Provider {
    preset: "google",
    answers: &[],
    authorize: Authorize {
        path: "/o/oauth2/v2/auth",
        requires: &[("response_type", "code"), ("scope", "")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Param("access_type", "offline"),
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3599, "refresh_token": i.refresh_token,
                "scope": "openid https://www.googleapis.com/auth/userinfo.email", "token_type": "Bearer", "id_token": i.id_token})
        },
        refuse: oauth_error,
    },
    refresh: Some(Refresh {
        path: "/token",
        grant_type: true,
        rotates: false,
        response: |i| json!({"access_token": i.access_token, "expires_in": 3599, "scope": "openid email", "token_type": "Bearer"}),
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1/userinfo"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"sub": "110169484474386276334", "name": "Ann Lee", "email": "ann@example.test", "email_verified": true}),
        refuse: unauthorized,
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (110169484474386276334)",
        expires_in: Some(3599),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::NoRefreshToken,
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Microsoft Entra ID, v2.0 endpoints.
/// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow (quoted in
/// graph-rs): the tenant in the path, the client secret in the body or by Basic, code_verifier when
/// PKCE was used; a refresh token only with `offline_access`
/// (https://learn.microsoft.com/en-us/answers/questions/702519/endpoint-url-for-offline-access),
/// rotating; Microsoft Graph /me (https://learn.microsoft.com/en-us/graph/api/user-get) with
/// displayName, a mail that is often null, and userPrincipalName.
pub const MICROSOFT: Provider = Provider {
    preset: "microsoft",
    answers: &[("tenant", "contoso.onmicrosoft.com")],
    authorize: Authorize {
        path: "/contoso.onmicrosoft.com/oauth2/v2.0/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Scope("offline_access"),
        response: |i| {
            json!({"token_type": "Bearer", "scope": "openid profile email User.Read", "expires_in": 3599,
                "ext_expires_in": 3599, "access_token": i.access_token, "refresh_token": i.refresh_token, "id_token": i.id_token})
        },
        refuse: |reason| {
            json_reply(401, json!({"error": "invalid_client", "error_description": format!("AADSTS7000218: {reason}")}))
        },
    },
    refresh: Some(Refresh {
        path: "/contoso.onmicrosoft.com/oauth2/v2.0/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"token_type": "Bearer", "scope": "openid profile email User.Read", "expires_in": 3599,
                "ext_expires_in": 3599, "access_token": i.access_token, "refresh_token": i.refresh_token})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1.0/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity", "displayName": "Adele Vance",
                "mail": null, "userPrincipalName": "AdeleV@contoso.onmicrosoft.com", "id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"})
        },
        refuse: |reason| json_reply(401, json!({"error": {"code": "InvalidAuthenticationToken", "message": reason}})),
    },
    expect: Expect {
        identity: "Adele Vance <AdeleV@contoso.onmicrosoft.com> (87d349ed-44d7-43e1-9a83-5f2406dee5bd)",
        expires_in: Some(3599),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::NoRefreshToken,
    rfc_scopes: Some("openid profile email User.Read"),
    rfc_userinfo: None,
};

/// Dropbox.
/// https://developers.dropbox.com/oauth-guide (not in the stored corpus; Auth.js, Nango): a refresh
/// token only with `token_access_type=offline`, 4-hour tokens, PKCE;
/// users/get_current_account is an RPC endpoint: POST, no body, no Content-Type
/// (https://www.dropbox.com/developers/documentation/http/documentation#users-get_current_account).
pub const DROPBOX: Provider = Provider {
    preset: "dropbox",
    answers: &[],
    authorize: Authorize {
        path: "/oauth2/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/oauth2/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Param("token_access_type", "offline"),
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 14400, "token_type": "bearer", "scope": "account_info.read",
                "refresh_token": i.refresh_token, "account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "uid": "12345"})
        },
        refuse: |reason| json_reply(400, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/oauth2/token",
        grant_type: true,
        rotates: false,
        response: |i| json!({"access_token": i.access_token, "expires_in": 14400, "token_type": "bearer"}),
    }),
    userinfo: UserInfo {
        method: "POST",
        paths: &["/2/users/get_current_account"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| {
            json!({"account_id": "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "name": {"given_name": "Franz",
                "surname": "Ferdinand", "display_name": "Franz Ferdinand (Personal)"}, "email": "franz@example.test"})
        },
        refuse: |reason| {
            super::fakes::reply(
                400,
                "text/plain",
                &format!("Error in call to API function \"users/get_current_account\": {reason}"),
            )
        },
    },
    expect: Expect {
        identity: "Franz Ferdinand (Personal) <franz@example.test> (dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc)",
        expires_in: Some(14400),
        refresh_expires_in: None,
        kept: &[("token.account_id", "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc")],
    },
    rfc: Rfc::FailsAt(StepId::UserInfo, "get_current_account"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Spotify.
/// https://developer.spotify.com/documentation/web-api/tutorials/code-flow (not in the stored
/// corpus; Auth.js): Basic client authentication (or the body), PKCE, refreshes that may keep the
/// refresh token (https://developer.spotify.com/documentation/web-api/tutorials/refreshing-tokens);
/// /v1/me with display_name.
pub const SPOTIFY: Provider = Provider {
    preset: "spotify",
    answers: &[],
    authorize: Authorize {
        path: "/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/api/token",
        auth: ClientAuthRule::Either,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "Bearer", "scope": "user-read-email user-read-private",
                "expires_in": 3600, "refresh_token": i.refresh_token})
        },
        refuse: oauth_error,
    },
    refresh: Some(Refresh {
        path: "/api/token",
        grant_type: true,
        rotates: false,
        response: |i| json!({"access_token": i.access_token, "token_type": "Bearer", "scope": "user-read-email", "expires_in": 3600}),
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v1/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"id": "smedjan", "display_name": "Smedjan", "email": "smedjan@example.test", "country": "SE"}),
        refuse: |reason| json_reply(401, json!({"error": {"status": 401, "message": reason}})),
    },
    expect: Expect {
        identity: "Smedjan <smedjan@example.test> (smedjan)",
        expires_in: Some(3600),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::Works,
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Zoom.
/// https://developers.zoom.us/docs/integrations/oauth/ (not in the stored corpus; Auth.js, Nango):
/// Basic client authentication, PKCE, rotating refresh tokens; /v2/users/me with first and last
/// name (https://developers.zoom.us/docs/api/users/).
pub const ZOOM: Provider = Provider {
    preset: "zoom",
    answers: &[],
    authorize: Authorize {
        path: "/oauth/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/oauth/token",
        auth: ClientAuthRule::Basic,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "bearer", "refresh_token": i.refresh_token,
                "expires_in": 3599, "scope": "user:read:user", "api_url": "https://api.zoom.us"})
        },
        refuse: |reason| json_reply(401, json!({"reason": reason, "error": "invalid_client"})),
    },
    refresh: Some(Refresh {
        path: "/oauth/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "token_type": "bearer", "refresh_token": i.refresh_token,
                "expires_in": 3599, "scope": "user:read:user"})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v2/users/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"id": "KDcuGIm1QgePTO8WbOqwIQ", "first_name": "Jill", "last_name": "Chill", "email": "jchill@example.test"}),
        refuse: |reason| json_reply(401, json!({"code": 124, "message": reason})),
    },
    expect: Expect {
        identity: "Jill Chill <jchill@example.test> (KDcuGIm1QgePTO8WbOqwIQ)",
        expires_in: Some(3599),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::Works,
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// LinkedIn, Sign In with LinkedIn using OpenID Connect.
/// https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
/// (not in the stored corpus; Auth.js's `client_secret_post`): the client's credentials as
/// parameters, 60-day tokens, no refresh token for ordinary apps, the OpenID Connect userinfo.
pub const LINKEDIN: Provider = Provider {
    preset: "linkedin",
    answers: &[],
    authorize: Authorize {
        path: "/oauth/v2/authorization",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/oauth/v2/accessToken",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Never,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 5_184_000, "scope": "email,openid,profile",
                "token_type": "Bearer", "id_token": i.id_token})
        },
        refuse: |reason| json_reply(401, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: None,
    userinfo: UserInfo {
        method: "GET",
        paths: &["/v2/userinfo"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"sub": "782bbtaQ", "name": "John Doe", "given_name": "John", "family_name": "Doe", "email": "doe@example.test"}),
        refuse: |reason| json_reply(401, json!({"serviceErrorCode": 65600, "message": reason, "status": 401})),
    },
    expect: Expect {
        identity: "John Doe <doe@example.test> (782bbtaQ)",
        expires_in: Some(5_184_000),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "invalid_client"),
    rfc_scopes: None,
    rfc_userinfo: None,
};

/// Xero.
/// https://developer.xero.com/documentation/guides/oauth2/auth-flow (not in the stored corpus;
/// Nango): Basic client authentication, PKCE, `offline_access` for a refresh token (rotating), the
/// OpenID Connect userinfo; the tenants at /connections
/// (https://developer.xero.com/documentation/guides/oauth2/tenants).
pub const XERO: Provider = Provider {
    preset: "xero",
    answers: &[],
    authorize: Authorize {
        path: "/identity/connect/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: true,
    },
    token: Token {
        path: "/connect/token",
        auth: ClientAuthRule::Basic,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Scope("offline_access"),
        response: |i| {
            json!({"id_token": i.id_token, "access_token": i.access_token, "expires_in": 1800, "token_type": "Bearer",
                "refresh_token": i.refresh_token, "scope": i.scope})
        },
        refuse: |reason| json_reply(400, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/connect/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 1800, "token_type": "Bearer",
                "refresh_token": i.refresh_token, "scope": i.scope})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/connect/userinfo"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"sub": "a3a4dbafh3495a808ed7a7b964388f53", "xero_userid": "9a6b1a8c-fake", "name": "Ann Lee", "email": "ann@example.test"}),
        refuse: unauthorized,
    },
    expect: Expect {
        identity: "Ann Lee <ann@example.test> (a3a4dbafh3495a808ed7a7b964388f53)",
        expires_in: Some(1800),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::NoRefreshToken,
    rfc_scopes: Some("openid profile email"),
    rfc_userinfo: None,
};

/// Box.
/// https://developer.box.com/reference/post-oauth2-token/ (not in the stored corpus; Auth.js): the
/// client's credentials as parameters, single-use refresh tokens; /2.0/users/me has the email in
/// `login` (https://developer.box.com/reference/get-users-me/).
pub const BOX: Provider = Provider {
    preset: "box",
    answers: &[],
    authorize: Authorize {
        path: "/api/oauth2/authorize",
        requires: &[("response_type", "code")],
        callback: Callback::Plain,
        pkce: false,
    },
    token: Token {
        path: "/oauth2/token",
        auth: ClientAuthRule::Body,
        body: BodyRule::Form,
        redirect_uri: true,
        refresh_when: RefreshWhen::Always,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3600, "restricted_to": [], "refresh_token": i.refresh_token,
                "token_type": "bearer"})
        },
        refuse: |reason| json_reply(400, json!({"error": "invalid_client", "error_description": reason})),
    },
    refresh: Some(Refresh {
        path: "/oauth2/token",
        grant_type: true,
        rotates: true,
        response: |i| {
            json!({"access_token": i.access_token, "expires_in": 3600, "restricted_to": [], "refresh_token": i.refresh_token,
                "token_type": "bearer"})
        },
    }),
    userinfo: UserInfo {
        method: "GET",
        paths: &["/2.0/users/me"],
        token: TokenIn::Bearer,
        headers: &[],
        body: None,
        response: |_| json!({"type": "user", "id": "11446498", "name": "Aaron Levie", "login": "ceo@example.test"}),
        refuse: unauthorized,
    },
    expect: Expect {
        identity: "Aaron Levie <ceo@example.test> (11446498)",
        expires_in: Some(3600),
        refresh_expires_in: None,
        kept: &[],
    },
    rfc: Rfc::FailsAt(StepId::TokenExchange, "invalid_client"),
    rfc_scopes: None,
    rfc_userinfo: None,
};
