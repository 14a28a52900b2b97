-- Courses and group sets (docs/rules.md, "Courses"): a teacher's weekly class, its meetings, and
-- named, versioned lists of groups kept from one session to the next.

-- A course: owned by a signed-in person; co-owners by email (lower-cased), who may do what the
-- owner does once they sign in with that (verified) email.
CREATE TABLE courses (
    id            uuid PRIMARY KEY,
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    -- The course in the campus's LMS (a Canvas course id, a course code), as the owner typed it.
    lms_reference text CHECK (char_length(lms_reference) BETWEEN 1 AND 200),
    owner_id      uuid NOT NULL REFERENCES users (id),
    co_owners     text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX courses_owner ON courses (owner_id);
CREATE INDEX courses_co_owners ON courses USING gin (co_owners);

-- A meeting may belong to a course (set when it is created, by an owner or co-owner).
ALTER TABLE meetings ADD COLUMN course_id uuid REFERENCES courses (id);
CREATE INDEX meetings_course ON meetings (course_id, created_at) WHERE course_id IS NOT NULL;

-- A group set's versions: saving under an existing name adds the next version; none is changed
-- or lost. `groups` is [{room, email}] in order, as pre-assignment lists are.
CREATE TABLE group_sets (
    course_id  uuid NOT NULL REFERENCES courses (id),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    version    integer NOT NULL CHECK (version >= 1),
    groups     jsonb NOT NULL,
    -- typed | zoom_csv | canvas_csv | meeting_assignment | meeting_last_rooms
    source     text NOT NULL,
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (course_id, name, version)
);

CREATE VIEW breakout_courses AS
SELECT c.id, c.title, c.lms_reference, u.email AS owner_email, c.co_owners,
       (SELECT count(*) FROM meetings m WHERE m.course_id = c.id) AS meetings,
       (SELECT count(DISTINCT g.name) FROM group_sets g WHERE g.course_id = c.id) AS group_sets,
       c.created_at
FROM courses c JOIN users u ON u.id = c.owner_id;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'breakout_readonly') THEN
        GRANT SELECT ON breakout_courses TO breakout_readonly;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'breakout_readonly not granted breakout_courses: this user may not grant it';
END
$$;
