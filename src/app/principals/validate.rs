//! Checks of what is typed in the pane's one-line inputs, each error saying what is expected.

use super::PrincipalInput;

pub(super) fn validate(purpose: &PrincipalInput, value: &str) -> Result<(), String> {
    let v = value.trim();
    match purpose {
        PrincipalInput::CreateName | PrincipalInput::Rename { .. } => {
            if v.is_empty() {
                Err("a display name is required".into())
            } else if v.len() > 256 {
                Err("at most 256 characters".into())
            } else {
                Ok(())
            }
        }
        PrincipalInput::CreateApplicationId { .. } => {
            if v.is_empty() || uuid::Uuid::parse_str(v).is_ok() {
                Ok(())
            } else {
                Err("an application id is a UUID (or leave it empty)".into())
            }
        }
        PrincipalInput::SecretLifetime { .. } => match v {
            "" => Ok(()),
            d => match d.parse::<u64>() {
                Ok(n) if (1..=730).contains(&n) => Ok(()),
                _ => Err("a whole number of days from 1 to 730".into()),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_explains() {
        assert!(validate(&PrincipalInput::CreateName, " ").is_err());
        assert!(validate(&PrincipalInput::SecretLifetime { id: "1".into() }, "731").is_err());
        assert!(validate(&PrincipalInput::SecretLifetime { id: "1".into() }, "30").is_ok());
        assert!(
            validate(
                &PrincipalInput::CreateApplicationId { name: "x".into() },
                "nope"
            )
            .is_err()
        );
    }
}
