//! Dispatches one kind of request N times through `rocket::local`, for instruction-count profiles:
//!
//! ```sh
//! valgrind --tool=callgrind target/release/request-loop protected 3000
//! ```
//!
//! Kinds: `plain` (no cookie), `plain+cookie` (the unprotected handler receiving the session cookie),
//! `protected` (`#[workos_sso]` with a valid session), `login` (the login route). The session cookie is
//! minted in-process by a real sign-in through the embedded emulator before the loop starts, so the
//! difference between two runs of different N is the cost of N - N' requests of that kind.

#[path = "../app.rs"]
mod app;

use std::hint::black_box;

use rocket::http::{Cookie, Status};
use rocket::local::asynchronous::Client;
use rocket_workos_sso::session::SESSION_COOKIE;

#[rocket::main]
async fn main() {
    let usage = "usage: request-loop plain|plain+cookie|protected|login N";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, n] = args.as_slice() else {
        panic!("{usage}")
    };
    let n: usize = n.parse().expect(usage);
    let (path, with_cookie, status) = match kind.as_str() {
        "plain" => ("/plain", false, Status::Ok),
        "plain+cookie" => ("/plain", true, Status::Ok),
        "protected" => ("/protected", true, Status::Ok),
        "login" => ("/sso/login?return_to=/protected", false, Status::SeeOther),
        _ => panic!("{usage}"),
    };
    let signer = Client::tracked(app::rocket())
        .await
        .expect("the app ignites");
    let cookie = app::signed_in_cookie(&signer).await;
    drop(signer);
    eprintln!("session cookie: {} bytes", cookie.len());
    let client = Client::untracked(app::rocket())
        .await
        .expect("the app ignites");
    for _ in 0..n {
        let mut request = client.get(path);
        if with_cookie {
            request = request.cookie(Cookie::new(SESSION_COOKIE, cookie.clone()));
        }
        let response = request.dispatch().await;
        assert_eq!(response.status(), status);
        black_box(response.into_string().await);
    }
}
