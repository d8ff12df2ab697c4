//! Checks a parameter value against its type, for defaults and for what the user enters.

use super::metadata::{Parameter, ParameterType};

/// Maximum length of a value, in characters. Real paths and passwords are far shorter.
const MAX_VALUE_CHARS: usize = 1024;

/// Returns `Ok` when `value` is valid for `parameter`, else the reason it is not. An empty
/// value is valid only for optional `string` and `path` parameters.
///
/// Every value goes into `.env` single-quoted. Compose reads such values literally, with no
/// escapes, so a single quote or a line break cannot be written there and is rejected.
pub fn check_value(parameter: &Parameter, value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(format!("the value is longer than {MAX_VALUE_CHARS} characters"));
    }
    if value.contains('\'') {
        return Err("a single quote (') cannot be written to the stack's .env file".to_string());
    }
    if value.chars().any(char::is_control) {
        return Err("line breaks, tabs and other control characters are not allowed".to_string());
    }
    if value.is_empty() {
        let may_be_empty = !parameter.required && matches!(parameter.kind, ParameterType::String | ParameterType::Path);
        return if may_be_empty {
            Ok(())
        } else {
            Err("a value is required".to_string())
        };
    }

    match parameter.kind {
        ParameterType::String | ParameterType::Password => Ok(()),
        ParameterType::Port => check_port(value),
        ParameterType::Int => check_int(parameter, value),
        ParameterType::Bool => match value {
            "true" | "false" => Ok(()),
            _ => Err("expected true or false".to_string()),
        },
        ParameterType::Select => {
            if parameter.options.iter().any(|option| option.value == value) {
                Ok(())
            } else {
                let allowed: Vec<&str> = parameter.options.iter().map(|option| option.value.as_str()).collect();
                Err(format!("expected one of: {}", allowed.join(", ")))
            }
        }
        ParameterType::Path => check_path(value),
    }
}

fn check_port(value: &str) -> Result<(), String> {
    let valid = value.bytes().all(|b| b.is_ascii_digit()) && matches!(value.parse::<u16>(), Ok(port) if port > 0);
    if valid {
        Ok(())
    } else {
        Err("expected a port number from 1 to 65535".to_string())
    }
}

fn check_int(parameter: &Parameter, value: &str) -> Result<(), String> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let number = match value.parse::<i64>() {
        Ok(number) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => number,
        _ => return Err("expected a whole number".to_string()),
    };
    if let Some(min) = parameter.min {
        if number < min {
            return Err(format!("expected at least {min}"));
        }
    }
    if let Some(max) = parameter.max {
        if number > max {
            return Err(format!("expected at most {max}"));
        }
    }
    Ok(())
}

/// Compose splits a short volume definition (`SOURCE:TARGET:MODE`) at colons, so a colon in a
/// host path would silently change the mount.
fn check_path(value: &str) -> Result<(), String> {
    if !(value.starts_with('/') || value.starts_with("./")) {
        return Err("expected an absolute path (/srv/media) or one relative to the stack folder (./data)".to_string());
    }
    if value.contains(':') {
        return Err("a path may not contain ':', which Compose reads as a separator".to_string());
    }
    Ok(())
}
