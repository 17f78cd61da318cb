//! The load-test server: the benchmark application on 127.0.0.1:8000 with the embedded emulator, which
//! signs the first user of Example Corp in at once (no Test Identity Provider page), so `curl -L` can
//! sign in and keep the session cookie.

#[path = "../app.rs"]
mod app;

use rocket::fairing::AdHoc;
use rocket_workos_sso::emulator::AutoLogin;
use rocket_workos_sso::WorkosSso;

#[rocket::launch]
fn rocket() -> _ {
    app::rocket().attach(AdHoc::on_liftoff("auto-login", |rocket| {
        Box::pin(async move {
            let emulator =
                WorkosSso::emulator(rocket).expect("the bench server runs on the emulator");
            emulator.set_auto_login(AutoLogin::FirstUser);
            println!("bench-server ready on 127.0.0.1:{}", app::PORT);
        })
    }))
}
