//! Choosing the kind of a new authorization, or a provider preset; the form of that kind (or the
//! list of presets) opens next.

use super::PresetPicker;
use crate::app::data::Data;
use crate::app::form::authorization;
use crate::app::{Command, Overlay};
use crate::keymap::Action;
use crate::model::AuthKind;

/// What the chooser offers, in its order: the kinds, then the provider presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewChoice {
    Kind(AuthKind),
    Preset,
}

pub const CHOICES: [NewChoice; 4] = [
    NewChoice::Kind(AuthKind::ApiKey),
    NewChoice::Kind(AuthKind::Basic),
    NewChoice::Kind(AuthKind::OAuth2),
    NewChoice::Preset,
];

impl NewChoice {
    pub fn label(self) -> &'static str {
        match self {
            NewChoice::Kind(kind) => kind.label(),
            NewChoice::Preset => "From a preset…",
        }
    }

    /// The action of the key that chooses it.
    pub fn action(self) -> Action {
        match self {
            NewChoice::Kind(AuthKind::ApiKey) => Action::ChooseApiKey,
            NewChoice::Kind(AuthKind::Basic) => Action::ChooseBasic,
            NewChoice::Kind(AuthKind::OAuth2) => Action::ChooseOAuth2,
            NewChoice::Preset => Action::ChoosePreset,
        }
    }
}

#[derive(Default)]
pub struct KindChooser {
    pub selected: usize,
}

impl KindChooser {
    pub fn update(&mut self, action: Action, data: &Data) -> Vec<Command> {
        let choice = match action {
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                return Vec::new();
            }
            Action::Down => {
                self.selected = (self.selected + 1).min(CHOICES.len() - 1);
                return Vec::new();
            }
            Action::Cancel => return vec![Command::Pop],
            Action::Submit => CHOICES[self.selected.min(CHOICES.len() - 1)],
            other => match CHOICES.iter().find(|c| c.action() == other) {
                Some(choice) => *choice,
                None => return Vec::new(),
            },
        };
        match choice {
            NewChoice::Kind(kind) => {
                // A free name, so a second authorization of a kind doesn't start with a clash.
                let form = authorization::form(kind, None, &data.free_authorization_name(kind.label()));
                vec![Command::Pop, Command::Push(Overlay::Form(Box::new(form)))]
            }
            NewChoice::Preset => match PresetPicker::open() {
                Ok(picker) => vec![Command::Pop, Command::Push(Overlay::PresetPicker(Box::new(picker)))],
                Err(e) => vec![Command::Error(e)],
            },
        }
    }
}
