//! What an export could not carry over as it was.

/// What happened to a setting the target cannot express as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Left out of the output.
    Dropped,
    /// Written in another form; the message says which.
    Changed,
    /// Written, but the user must act before it runs, such as creating a Secret.
    Action,
}

/// One setting the target took differently, or not at all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// The Compose service, or none for the top-level sections.
    pub service: Option<String>,
    /// The Compose field, such as `privileged` or `deploy.placement`.
    pub field: String,
    pub outcome: Outcome,
    pub message: String,
}

impl Warning {
    pub fn service(service: &str, field: &str, outcome: Outcome, message: impl Into<String>) -> Warning {
        Warning {
            service: Some(service.to_string()),
            field: field.to_string(),
            outcome,
            message: message.into(),
        }
    }

    pub fn stack(field: &str, outcome: Outcome, message: impl Into<String>) -> Warning {
        Warning {
            service: None,
            field: field.to_string(),
            outcome,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.service {
            Some(service) => write!(formatter, "{service}: {}: {}", self.field, self.message),
            None => write!(formatter, "{}: {}", self.field, self.message),
        }
    }
}
