//! The routes the fairing mounts: login (start a login and send the browser to WorkOS), callback (finish
//! it and start the session) and logout. One set serves every protected handler in the app.

mod callback;
mod email_page;
mod email_sign_in;
mod login;
mod logout;

use callback::Callback;
use login::Login;
use logout::Logout;
use rocket::http::{Method, Status};
use rocket::request::Request;
use rocket::route::{self, Handler, Route};
use rocket::Data;

use crate::reply::{Problem, Reply};
use crate::sso::{Flow, Sso};

/// The routes for `sso`: login and logout at their configured paths, one callback per callback path.
pub(crate) fn routes(sso: &Sso) -> Vec<Route> {
    let mut callback_paths: Vec<&str> = sso.flows.values().map(Flow::callback_path).collect();
    callback_paths.sort_unstable();
    callback_paths.dedup();
    let mut routes = vec![
        Route::new(Method::Get, &sso.settings.login_path, Login),
        Route::new(Method::Get, &sso.settings.logout_path, Logout),
        Route::new(Method::Post, &sso.settings.logout_path, Logout),
        // Sign-in by work email: the form of the page the login route shows posts here.
        Route::new(
            Method::Post,
            &sso.settings.login_path,
            email_sign_in::EmailSignIn,
        ),
    ];
    routes.extend(callback_paths.iter().map(|&path| {
        Route::new(
            Method::Get,
            path,
            Callback {
                path: path.to_owned(),
            },
        )
    }));
    // Without a HEAD route of its own, Rocket answers HEAD by running the GET route: a link checker or
    // prefetcher would then start a login, finish one, or sign the user out.
    let head_paths = [&sso.settings.login_path, &sso.settings.logout_path];
    routes.extend(
        head_paths
            .into_iter()
            .map(String::as_str)
            .chain(callback_paths)
            .map(|path| Route::new(Method::Head, path, Head)),
    );
    routes
}

/// HEAD on the login, callback and logout routes: `204 No Content`, and nothing else happens. These
/// routes act when a browser GETs them, and a HEAD must change nothing.
#[derive(Clone)]
struct Head;

#[rocket::async_trait]
impl Handler for Head {
    async fn handle<'r>(&self, _: &'r Request<'_>, _: Data<'r>) -> route::Outcome<'r> {
        route::Outcome::Success(
            rocket::Response::build()
                .status(Status::NoContent)
                .raw_header("Cache-Control", "no-store")
                .finalize(),
        )
    }
}

pub(crate) fn query<'r>(request: &'r Request<'_>, name: &str) -> Option<&'r str> {
    request
        .query_value::<&str>(name)
        .and_then(Result::ok)
        .filter(|value| !value.is_empty())
}

pub(crate) fn no_wiring() -> Reply {
    Problem::new(
        Status::InternalServerError,
        "not_configured",
        "Sign-in is not set up",
        "The WorkOS SSO fairing is not attached to this application.",
    )
    .into()
}
