//! Prompt templates (minijinja, strict undefined): embedded from `prompts/`, each replaceable by
//! a file of the same name in `$VIVA_HOME/prompts/`.

use std::path::Path;

use anyhow::{Context, Result};
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::embedded;

/// A version tag stored with every LLM grade; bump it when the shipped templates change meaning.
pub const PROMPT_VERSION: &str = "grade-v3";

pub struct Prompts {
    env: Environment<'static>,
    /// True when any template came from the user's directory.
    pub customised: bool,
}

impl Prompts {
    pub fn load(user_dir: Option<&Path>) -> Result<Prompts> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Prompts are plain text: never HTML-escape an answer.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        let mut customised = false;
        for (path, text) in embedded::PROMPTS {
            let name = path.trim_start_matches("prompts/");
            let user = user_dir.map(|d| d.join(name)).filter(|p| p.exists());
            let source = match &user {
                Some(p) => {
                    customised = true;
                    std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?
                }
                None => text.to_string(),
            };
            env.add_template_owned(name.to_string(), source)
                .with_context(|| match &user {
                    Some(p) => format!("{}: invalid template", p.display()),
                    None => format!("{path}: invalid template"),
                })?;
        }
        Ok(Prompts { env, customised })
    }

    pub fn embedded() -> Prompts {
        Prompts::load(None).expect("the shipped prompts are valid (tested)")
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String> {
        let t = self
            .env
            .get_template(name)
            .with_context(|| format!("no prompt template {name}"))?;
        Ok(
            t.render(minijinja::Value::from(minijinja::value::Serde(ctx)))
                .with_context(|| format!("rendering {name}"))?
                .trim()
                .to_string()
                + "\n",
        )
    }

    pub fn version(&self) -> String {
        if self.customised {
            format!("{PROMPT_VERSION}+custom")
        } else {
            PROMPT_VERSION.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undefined_variable_is_an_error_not_an_empty_string() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("repair.j2"), "{{ no_such_thing }}").unwrap();
        let prompts = Prompts::load(Some(dir.path())).unwrap();
        assert!(prompts.customised);
        assert!(prompts.render("repair.j2", serde_json::json!({})).is_err());
    }
}
