-- Restore drills load each database dump into a scratch container; the result of each load
-- is kept with the drill as JSON, like its checked files.
ALTER TABLE backup_drills ADD COLUMN databases TEXT NOT NULL DEFAULT '[]';
