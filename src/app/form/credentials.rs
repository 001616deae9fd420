//! The form that asks for an API key, or a username and password, before testing an authorization
//! with them. What is typed is used for that test only, never saved.

use super::{Field, FieldKey, Form, FormTarget};
use crate::app::Command;
use crate::flow::CredentialPrompt;
use crate::model::Authorization;

/// The questions of `prompts`, one field each, for testing `auth`.
pub fn form(auth: &Authorization, prompts: &[CredentialPrompt]) -> Form {
    let help = "Used for this test only; never saved.";
    let mut fields: Vec<Field> = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let key = FieldKey::Credential(i);
            if p.secret {
                Field::secret(key, p.label.clone(), help, "")
            } else {
                Field::text(key, p.label.clone(), help, "")
            }
        })
        .collect();
    fields.push(Field::button("Test"));
    Form::new(format!("Test \"{}\"", auth.name), FormTarget::TestCredentials(auth.id), fields)
}

/// What is missing: an empty key or password can't test anything (a username may be empty for
/// services that take only a token as the password).
pub fn problems(form: &Form) -> Vec<(FieldKey, String)> {
    form.fields
        .iter()
        .filter(|f| f.is_secret() && form.text(f.key).is_empty())
        .map(|f| (f.key, format!("Enter the {} to test with.", f.label)))
        .collect()
}

/// The answers, in the order of the questions: the test starts with them.
pub fn submit(form: &mut Form, authorization_id: i64) -> Vec<Command> {
    let problems = problems(form);
    if !problems.is_empty() {
        return form.refuse(problems);
    }
    let answers: Vec<String> = form.fields.iter().filter(|f| f.is_text()).map(|f| form.text(f.key)).collect();
    vec![Command::Pop, Command::Test { authorization_id, answers: Some(answers) }]
}
