//! The order in which `docker compose up` starts the active services.

use std::collections::{BTreeMap, BTreeSet};

use super::Project;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A required dependency is not defined or not active with the chosen profiles.
    #[error("service '{service}' requires '{dependency}', which is not active with the chosen profiles")]
    MissingDependency { service: String, dependency: String },
    /// `depends_on` forms a cycle among these services.
    #[error("depends_on forms a cycle among: {}", .services.join(", "))]
    Cycle { services: Vec<String> },
}

impl Project {
    /// Returns the services active with `profiles` in start order: every service after the
    /// services it depends on, and otherwise by name. A dependency with `required: false` that
    /// is not active is skipped, as Compose skips it; a required one is an error.
    pub fn start_order(&self, profiles: &[&str]) -> Result<Vec<String>, OrderError> {
        let active: BTreeSet<&str> = self
            .active_services(profiles)
            .map(|service| service.name.as_str())
            .collect();
        let mut waiting_on: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for name in &active {
            let service = &self.services[*name];
            let mut dependencies = BTreeSet::new();
            for (dependency, settings) in &service.depends_on {
                if active.contains(dependency.as_str()) {
                    dependencies.insert(dependency.as_str());
                } else if settings.required {
                    return Err(OrderError::MissingDependency {
                        service: name.to_string(),
                        dependency: dependency.clone(),
                    });
                }
            }
            waiting_on.insert(name, dependencies);
        }

        // Kahn's algorithm; the ready set is ordered so equal runs give equal orders.
        let mut order = Vec::with_capacity(active.len());
        let mut ready: BTreeSet<&str> = waiting_on
            .iter()
            .filter(|(_, dependencies)| dependencies.is_empty())
            .map(|(name, _)| *name)
            .collect();
        while let Some(next) = ready.pop_first() {
            waiting_on.remove(next);
            order.push(next.to_string());
            for (name, dependencies) in waiting_on.iter_mut() {
                if dependencies.remove(next) && dependencies.is_empty() {
                    ready.insert(name);
                }
            }
        }
        if !waiting_on.is_empty() {
            return Err(OrderError::Cycle {
                services: waiting_on.keys().map(|name| name.to_string()).collect(),
            });
        }
        Ok(order)
    }
}
