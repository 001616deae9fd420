//! Choosing the kind of a new authorization; the form of that kind opens next.

use crate::app::data::Data;
use crate::app::form::authorization;
use crate::app::{Command, Overlay};
use crate::keymap::Action;
use crate::model::AuthKind;

#[derive(Default)]
pub struct KindChooser {
    pub selected: usize,
}

impl KindChooser {
    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        let kind = match action {
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                return Vec::new();
            }
            Action::Down => {
                self.selected = (self.selected + 1).min(AuthKind::ALL.len() - 1);
                return Vec::new();
            }
            Action::Cancel => return vec![Command::Pop],
            Action::Submit => AuthKind::ALL[self.selected.min(AuthKind::ALL.len() - 1)],
            Action::ChooseApiKey => AuthKind::ApiKey,
            Action::ChooseBasic => AuthKind::Basic,
            Action::ChooseOAuth2 => AuthKind::OAuth2,
            _ => return Vec::new(),
        };
        // A free name, so a second authorization of a kind doesn't start with a clash.
        let form = authorization::form(kind, None, &data.free_authorization_name(kind.label()));
        vec![Command::Pop, Command::Push(Overlay::Form(Box::new(form)))]
    }
}
