//! The nearest known name to a misspelt one, for "did you mean" in error messages.

/// The number of single-character insertions, deletions and substitutions that turn `a`
/// into `b` (Levenshtein distance), counted in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `row[j]`: the distance from the prefix of `a` read so far to `b[..j]`.
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The known name closest to `name`, when one is close enough to be what was meant: at
/// most a quarter of the longer name's characters differ, plus one (`EAGIAN` is `EAGAIN`,
/// `read_exact` is `read_exactly`, `receive` is none of a pipe's actions). Ties go to the
/// name listed first.
pub(crate) fn nearest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (edit_distance(name, k), k))
        .filter(|&(d, k)| d <= name.chars().count().max(k.chars().count()) / 4 + 1)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// ` (did you mean `X`?)` when a known name is near `name`, else nothing: what follows
/// the name in an "unknown ..." message.
pub(crate) fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    nearest(name, known).map_or_else(String::new, |k| format!(" (did you mean `{k}`?)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("", "", 0)]
    #[case("abc", "", 3)]
    #[case("", "abc", 3)]
    #[case("read", "read", 0)]
    #[case("read_exact", "read_exactly", 2)]
    #[case("EAGIAN", "EAGAIN", 2)]
    #[case("kitten", "sitting", 3)]
    #[case("écrire", "ecrire", 1)]
    fn distances(#[case] a: &str, #[case] b: &str, #[case] want: usize) {
        assert_eq!(edit_distance(a, b), want);
        assert_eq!(edit_distance(b, a), want);
    }

    #[rstest]
    #[case("read_exact", Some("read_exactly"))]
    #[case("EAGIAN", None)]
    #[case("wirte", Some("write"))]
    #[case("receive", None)]
    #[case("xyz", None)]
    fn nearest_action(#[case] name: &str, #[case] want: Option<&str>) {
        let known = ["read", "read_exactly", "read_to_end", "write", "close"];
        assert_eq!(nearest(name, known), want);
    }

    #[test]
    fn the_first_listed_wins_a_tie() {
        assert_eq!(nearest("ab", ["ax", "ay"]), Some("ax"));
    }

    #[test]
    fn the_tail_names_the_nearest_or_is_empty() {
        assert_eq!(
            did_you_mean("EAGIAN", ["EPIPE", "EAGAIN"]),
            " (did you mean `EAGAIN`?)"
        );
        assert_eq!(did_you_mean("nothing", ["EPIPE"]), "");
    }
}
