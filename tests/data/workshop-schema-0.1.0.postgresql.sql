-- The workshop tables exactly as igviz 0.1.0 created them (SQLAlchemy create_all, postgresql), before the
-- schema had a version: tests/test_workshop_migrations.py opens such a database with today's igviz.

CREATE TABLE workshop (
	id SERIAL NOT NULL, 
	code VARCHAR(16) NOT NULL, 
	title VARCHAR(120) NOT NULL, 
	framework VARCHAR(80) NOT NULL, 
	criteria JSON NOT NULL, 
	proposals JSON NOT NULL, 
	groups JSON NOT NULL, 
	rule JSON NOT NULL, 
	secret_hash VARCHAR(64) NOT NULL, 
	created_at FLOAT NOT NULL, 
	revision INTEGER NOT NULL, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_workshop_code ON workshop (code);

CREATE TABLE participant (
	id SERIAL NOT NULL, 
	workshop_id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	"group" VARCHAR(80) NOT NULL, 
	pseudonym VARCHAR(40) NOT NULL, 
	joined_at FLOAT NOT NULL, 
	last_submitted_at FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(workshop_id) REFERENCES workshop (id)
);

CREATE UNIQUE INDEX ix_participant_token_hash ON participant (token_hash);

CREATE INDEX ix_participant_workshop_id ON participant (workshop_id);

CREATE TABLE workshop_round (
	id SERIAL NOT NULL, 
	workshop_id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	is_open BOOLEAN NOT NULL, 
	opened_at FLOAT NOT NULL, 
	closed_at FLOAT, 
	PRIMARY KEY (id), 
	UNIQUE (workshop_id, number), 
	FOREIGN KEY(workshop_id) REFERENCES workshop (id)
);

CREATE INDEX ix_workshop_round_workshop_id ON workshop_round (workshop_id);

CREATE TABLE submission (
	id SERIAL NOT NULL, 
	round_id INTEGER NOT NULL, 
	participant_id INTEGER NOT NULL, 
	weights JSON NOT NULL, 
	comment TEXT NOT NULL, 
	submitted_at FLOAT NOT NULL, 
	revisions INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (round_id, participant_id), 
	FOREIGN KEY(round_id) REFERENCES workshop_round (id), 
	FOREIGN KEY(participant_id) REFERENCES participant (id)
);

CREATE INDEX ix_submission_participant_id ON submission (participant_id);

CREATE INDEX ix_submission_round_id ON submission (round_id);
