//! Problems with the fields of an app, authorization or endpoint, as validation finds them: a typed
//! field key and what is wrong, never a sentence. Whoever shows a problem phrases it for its own
//! reader: the form says "Enter the Client ID…", the importer "write the Client ID…".

/// A problem with one field. `K` is the field key of the form or record it belongs to (e.g.
/// [`OAuth2Field`](super::OAuth2Field)), so a misspelt field is a compile error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError<K> {
    pub field: K,
    pub problem: Problem,
}

impl<K> FieldError<K> {
    pub fn new(field: K, problem: Problem) -> Self {
        Self { field, problem }
    }

    pub fn missing(field: K) -> Self {
        Self::new(field, Problem::Missing)
    }

    pub fn invalid(field: K, reason: impl Into<String>) -> Self {
        Self::new(field, Problem::Invalid(reason.into()))
    }

    /// The same problem under another key (a kind's field as a field of any authorization).
    pub fn map<L>(self, f: impl FnOnce(K) -> L) -> FieldError<L> {
        FieldError { field: f(self.field), problem: self.problem }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Required but empty (or, for a choice of endpoint, none chosen). The reader says what to put there.
    Missing,
    /// Longer than `max` characters.
    TooLong { max: usize },
    /// Anything else, said in words that fit a form and a file alike ("can't have a #fragment").
    Invalid(String),
}

impl Problem {
    /// How a reader of any kind words a problem other than [`Problem::Missing`], which each reader
    /// phrases per field; `None` for `Missing`.
    pub fn reason(&self) -> Option<String> {
        match self {
            Problem::Missing => None,
            Problem::TooLong { max } => Some(format!("Keep it under {max} characters.")),
            Problem::Invalid(reason) => Some(reason.clone()),
        }
    }
}

/// The longest name of an app, authorization or endpoint.
pub const NAME_MAX: usize = 80;

/// Checks a name the user gives to an app, authorization or endpoint.
pub fn check_name<K>(field: K, name: &str, errors: &mut Vec<FieldError<K>>) {
    if name.trim().is_empty() {
        errors.push(FieldError::missing(field));
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError::new(field, Problem::TooLong { max: NAME_MAX }));
    }
}

/// What is wrong with a name, in words for any reader (the store refuses such a name whoever asks).
pub fn name_problem(name: &str) -> Result<(), String> {
    let mut errors = Vec::new();
    check_name((), name, &mut errors);
    match errors.first() {
        None => Ok(()),
        Some(e) => Err(e.problem.reason().unwrap_or_else(|| "Give it a name.".into())),
    }
}

/// Refuses a value longer than any real one; `max` is in bytes, and the reason says both sizes.
pub fn check_len<K>(field: K, value: &str, max: usize, errors: &mut Vec<FieldError<K>>) {
    if value.len() > max {
        let (size, limit) = if max >= 4096 {
            (format!("{} KiB", value.len().div_ceil(1024)), format!("{} KiB", max / 1024))
        } else {
            (format!("{} bytes", value.len()), format!("{max} bytes"))
        };
        errors.push(FieldError::invalid(field, format!("This is {size}; it can be at most {limit}.")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_required_and_short() {
        let mut errors = Vec::new();
        check_name('n', " ", &mut errors);
        check_name('n', &"x".repeat(NAME_MAX + 1), &mut errors);
        check_name('n', "Fine", &mut errors);
        assert_eq!(errors, [FieldError::missing('n'), FieldError::new('n', Problem::TooLong { max: NAME_MAX })]);
        assert_eq!(errors[1].problem.reason().as_deref(), Some("Keep it under 80 characters."));
        assert_eq!(errors[0].problem.reason(), None);
    }
}
