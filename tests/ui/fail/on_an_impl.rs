use rocket_workos_sso::workos_sso;

struct Dashboard;

#[workos_sso(redirect_uri = "https://app.example.com/callback", client_id = "client_01ABC")]
impl Dashboard {
    fn render(&self) -> &'static str {
        "hi"
    }
}

fn main() {}
