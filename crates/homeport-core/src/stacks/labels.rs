//! The labels Compose puts on what it creates. They are Compose's own contract with the
//! engine: `docker compose ls/ps/down` find a project's objects by them.

/// The project name, on containers, networks and volumes.
pub const PROJECT: &str = "com.docker.compose.project";
/// The service a container belongs to.
pub const SERVICE: &str = "com.docker.compose.service";
/// `True` for containers made by `docker compose run`, which are not part of the service.
pub const ONEOFF: &str = "com.docker.compose.oneoff";
/// The container's index within its service, from 1.
pub const CONTAINER_NUMBER: &str = "com.docker.compose.container-number";
/// The folder the project was started from.
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
/// The compose files of the project, comma-separated.
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
/// The Compose version that created the container.
pub const VERSION: &str = "com.docker.compose.version";
/// A hash of the service's configuration, which tells Compose whether to recreate it.
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
/// The id of the image the container was created from. A deploy replaces the container when
/// the service's image reference names another id now.
pub const IMAGE: &str = "com.docker.compose.image";
