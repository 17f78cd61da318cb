#![deny(warnings)]

use rocket::form::Form;
use rocket::serde::json::Json;
use rocket::{post, routes, FromForm};
use rocket_workos_sso::{workos_sso, Profile};

#[derive(FromForm)]
struct Note {
    text: String,
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[post("/notes", data = "<note>")]
fn add_note(profile: Profile, note: Form<Note>) -> String {
    format!("{}: {}", profile.email, note.text)
}

#[workos_sso(redirect_uri = "http://localhost:8000/callback", client_id = "client_01ABC")]
#[post("/echo", format = "json", data = "<body>")]
async fn echo(body: Json<Vec<String>>) -> Json<Vec<String>> {
    body
}

fn main() {
    let _rocket = rocket::build()
        .attach(rocket_workos_sso::WorkosSso::fairing())
        .mount("/", routes![add_note, echo]);
}
