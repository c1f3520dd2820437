//! The division tree of the places the demo covers, read from the `regions` table (which the
//! shipped-regions import fills), so the demo uses the real codes and names.

use std::collections::BTreeMap;

use entity::region::{self, RegionLevel};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::domain::DivisionCode;

use super::SeedError;

/// One division.
#[derive(Debug, Clone)]
pub(super) struct Division {
    pub name: String,
    pub level: RegionLevel,
    pub parent: Option<String>,
}

/// Divisions by code with their children, in code order (deterministic iteration).
#[derive(Debug, Default)]
pub(super) struct Atlas {
    divisions: BTreeMap<String, Division>,
    children: BTreeMap<String, Vec<String>>,
}

impl Atlas {
    /// Loads the subtrees of `roots` (12-digit codes) and their ancestors.
    ///
    /// # Errors
    /// [`SeedError::MissingRegion`] when a root or an ancestor is not in `regions` (the
    /// shipped division codes have not been imported), [`SeedError::Db`] on a query failure.
    pub(super) async fn load<C: ConnectionTrait>(db: &C, roots: &[&str]) -> Result<Self, SeedError> {
        let mut atlas = Atlas::default();
        for root in roots {
            let code = DivisionCode::parse(root)?;
            let (lower, upper) = code.subtree_bounds();
            let rows = region::Entity::find()
                .filter(region::Column::Code.between(lower, upper))
                .order_by_asc(region::Column::Code)
                .all(db)
                .await?;
            if !rows.iter().any(|r| r.code == code.as_str()) {
                return Err(SeedError::MissingRegion(code.as_str().to_owned()));
            }
            for row in rows {
                atlas.add(row);
            }
            let mut up = code.parent();
            while let Some(ancestor) = up {
                let row = region::Entity::find_by_id(ancestor.as_str().to_owned())
                    .one(db)
                    .await?
                    .ok_or_else(|| SeedError::MissingRegion(ancestor.as_str().to_owned()))?;
                atlas.add(row);
                up = ancestor.parent();
            }
        }
        for kids in atlas.children.values_mut() {
            kids.sort();
            kids.dedup();
        }
        Ok(atlas)
    }

    fn add(&mut self, row: region::Model) {
        if let Some(parent) = &row.parent_code {
            self.children.entry(parent.clone()).or_default().push(row.code.clone());
        }
        self.divisions.insert(row.code.clone(), Division { name: row.name, level: row.level, parent: row.parent_code });
    }

    /// The division with `code`.
    pub(super) fn get(&self, code: &str) -> Result<&Division, SeedError> {
        self.divisions.get(code).ok_or_else(|| SeedError::MissingRegion(code.to_owned()))
    }

    /// The name of `code` (empty if unknown).
    pub(super) fn name(&self, code: &str) -> &str {
        self.divisions.get(code).map_or("", |d| d.name.as_str())
    }

    /// Direct children of `code`, in code order.
    pub(super) fn children(&self, code: &str) -> &[String] {
        self.children.get(code).map_or(&[], Vec::as_slice)
    }

    /// Residents' committees (社区, village codes 001-199) below township `code`.
    pub(super) fn communities(&self, township: &str) -> Vec<String> {
        self.children(township).iter().filter(|c| is_community(c)).cloned().collect()
    }

    /// The name with its ancestors from the prefecture down, as an address starts
    /// (`黔西南布依族苗族自治州兴义市丰都街道`); 市辖区 placeholders are skipped and a village
    /// is named without its committee suffix (`…坪东村`, not `…坪东村村民委员会`).
    pub(super) fn address(&self, code: &str) -> String {
        let mut parts = Vec::new();
        let mut cursor = self.divisions.get(code);
        while let Some(d) = cursor {
            if d.level == RegionLevel::Village {
                parts.push(self.short(code));
            } else if d.level != RegionLevel::Province && d.name != "市辖区" {
                parts.push(d.name.clone());
            }
            cursor = d.parent.as_deref().and_then(|p| self.divisions.get(p));
        }
        parts.reverse();
        parts.concat()
    }

    /// A village or community name without the committee suffix (`新宫社区`, `坪东村`).
    pub(super) fn short(&self, code: &str) -> String {
        let name = self.name(code);
        for suffix in ["居民委员会", "村民委员会", "委员会", "居委会", "村委会"] {
            if let Some(stem) = name.strip_suffix(suffix) {
                let stem = stem.to_owned();
                // "XX社区居民委员会" → "XX社区"; "XX村民委员会" → "XX村"; "XX居民委员会" → "XX社区".
                return if stem.ends_with('社') || stem.ends_with("社区") || stem.ends_with('村') {
                    stem
                } else if suffix.starts_with('村') {
                    format!("{stem}村")
                } else {
                    format!("{stem}社区")
                };
            }
        }
        name.to_owned()
    }
}

/// Whether a 12-digit village code is a residents' committee (digits 10-12 in 001-199).
pub(super) fn is_community(code: &str) -> bool {
    code.get(9..12).and_then(|s| s.parse::<u16>().ok()).is_some_and(|n| (1..200).contains(&n))
}

/// The six-digit county part of a code at county level or below (`522301` for a village of
/// 兴义市), used as the address code of ID numbers.
pub(super) fn county6(code: &str) -> &str {
    code.get(..6).unwrap_or(code)
}
