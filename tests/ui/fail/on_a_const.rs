use rocket_workos_sso::workos_sso;

#[workos_sso(redirect_uri = "https://app.example.com/callback", client_id = "client_01ABC")]
const DASHBOARD: &str = "/dashboard";

fn main() {}
