//! The behaviour catalogue that a scenario's `behaviours` slugs come from:
//! `docs/behaviours.md`, read when the crate is built.

use crate::scenario::model::Scenario;
use crate::scenario::suggest::did_you_mean;

/// The catalogue's text: each line `` - `slug`: description `` is one behaviour.
const CATALOGUE: &str = include_str!("../../../docs/behaviours.md");

/// Every slug of the catalogue, in the order it lists them.
fn known() -> impl Iterator<Item = &'static str> + Clone {
    CATALOGUE
        .lines()
        .filter_map(|line| line.strip_prefix("- `")?.split('`').next())
}

/// Each slug of `s` is in the catalogue, or is the fuzzers' slug of its mechanism
/// (`pipe.fuzz-regression`); `Err` gives the position of the first that is neither.
pub(super) fn check_behaviours(s: &Scenario) -> Result<(), (usize, String)> {
    let fuzz = format!("{}.fuzz-regression", s.mechanism);
    match s
        .behaviours
        .iter()
        .position(|slug| *slug != fuzz && !known().any(|k| k == slug))
    {
        None => Ok(()),
        Some(i) => {
            let slug = &s.behaviours[i];
            Err((
                i,
                format!(
                    "unknown behaviour `{slug}`{}; the slugs are listed in docs/behaviours.md, where a scenario for a new behaviour adds its own",
                    did_you_mean(slug, known())
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_lists_each_slug_once_as_area_dot_kebab() {
        let slugs: Vec<&str> = known().collect();
        assert!(slugs.len() >= 100, "only {} slugs read", slugs.len());
        for (i, slug) in slugs.iter().enumerate() {
            assert!(
                slug.split_once('.')
                    .is_some_and(|(area, rest)| !area.is_empty()
                        && !rest.is_empty()
                        && slug.chars().all(|c| c.is_ascii_lowercase()
                            || c.is_ascii_digit()
                            || "-.".contains(c))),
                "`{slug}` is not area.kebab-case"
            );
            assert!(!slugs[..i].contains(slug), "`{slug}` is listed twice");
        }
    }
}
