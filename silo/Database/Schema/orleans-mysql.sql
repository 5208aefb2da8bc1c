-- Partner: schema for Orleans ADO.NET grain storage and reminders on MariaDB / MySQL.
--
-- Applied by Partner.Silo.Database.DatabaseMigrator at every silo start, under the
-- named lock 'partner-schema'. The script must therefore stay idempotent and must
-- never destroy data:
--   * tables:     CREATE TABLE IF NOT EXISTS only; a later change to an existing
--                 table needs its own idempotent statement, appended below;
--   * procedures: DROP PROCEDURE IF EXISTS, then CREATE PROCEDURE;
--   * queries:    REPLACE INTO OrleansQuery, so a newer script refreshes the texts.
--
-- Statement separator: a line holding exactly
--   -- statement
-- ends one statement and starts the next. The migrator splits on that line and sends
-- each piece as one command, so CREATE PROCEDURE bodies need no DELIMITER. A piece
-- holding nothing but comments and blank lines is skipped. Statements are sent without
-- parameters: session variables (@name) are allowed, a bare ? outside literals and
-- comments is not (the client library reads it as a positional parameter).
-- To apply by hand: sed 's/^-- statement$/$$/' orleans-mysql.sql | mariadb --delimiter='$$' DB
--
-- Contract with Orleans (Microsoft.Orleans.Persistence.AdoNet / Reminders.AdoNet):
--   * each provider loads its query texts from OrleansQuery (QueryKey, QueryText) and
--     binds parameters by name: @GrainIdHash, @ServiceId, and so on;
--   * grain storage reads the columns PayloadBinary and Version; a write, clear or
--     delete returns one row with one column, the new version. A NULL result means
--     that nothing was written, and the provider then raises InconsistentStateException;
--   * reminders read GrainId, ReminderName, StartTime, Period and Version; an upsert
--     returns the new Version; a row delete returns one boolean column.
--
-- All text columns and routine parameters name utf8mb4 / utf8mb4_bin explicitly:
-- MariaDB's built-in default is latin1 with a case-insensitive collation, and grain
-- keys are case-sensitive Unicode.

-- statement
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  VARCHAR(64) NOT NULL,
    QueryText TEXT        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- statement
-- One row per grain state. GrainIdentity is the SHA-256 digest of the exact grain
-- identity (its encoding is at OrleansStorageRead); with the two provider-supplied hashes it
-- forms the primary key, so every lookup is a point lookup and two activations racing
-- to create the same state cannot both succeed. The readable columns are kept for
-- diagnostics only. PayloadBinary is LONGBLOB: BLOB would cap a state at 64 KiB.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INT          NOT NULL,
    GrainTypeHash          INT          NOT NULL,
    GrainIdentity          BINARY(32)   NOT NULL,
    GrainIdN0              BIGINT       NOT NULL,
    GrainIdN1              BIGINT       NOT NULL,
    GrainTypeString        VARCHAR(512) NOT NULL,
    GrainIdExtensionString VARCHAR(512) NULL,
    ServiceId              VARCHAR(150) NOT NULL,
    PayloadBinary          LONGBLOB     NULL,
    Version                INT          NOT NULL,
    ModifiedOn             DATETIME(3)  NOT NULL,
    CONSTRAINT PK_OrleansStorage PRIMARY KEY (GrainIdHash, GrainTypeHash, GrainIdentity)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- statement
CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    VARCHAR(150) NOT NULL,
    GrainId      VARCHAR(255) NOT NULL,
    ReminderName VARCHAR(150) NOT NULL,
    StartTime    DATETIME(6)  NOT NULL,
    Period       BIGINT       NOT NULL,
    GrainHash    INT          NOT NULL,
    Version      INT          NOT NULL,
    CONSTRAINT PK_OrleansRemindersTable PRIMARY KEY (ServiceId, GrainId, ReminderName),
    INDEX IX_OrleansRemindersTable_GrainHash (ServiceId, GrainHash)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- statement
-- Folded into the procedures below (each computes the identity inline): one CALL per storage operation.
DROP PROCEDURE IF EXISTS OrleansStorageIdentity;

-- statement
DROP PROCEDURE IF EXISTS OrleansStorageRead;

-- statement
-- GrainIdentity is the SHA-256 digest of this encoding, and every procedure below repeats it
-- verbatim: it is stored in every row's key, so changing it orphans existing state. Strings
-- carry their length so that no choice of separator can make two identities collide, and a
-- NULL extension ('-') differs from an empty one ('0:').
CREATE PROCEDURE OrleansStorageRead
(
    IN p_GrainIdHash            INT,
    IN p_GrainIdN0              BIGINT,
    IN p_GrainIdN1              BIGINT,
    IN p_GrainTypeHash          INT,
    IN p_GrainTypeString        VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainIdExtensionString VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_ServiceId              VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin
)
SQL SECURITY INVOKER
BEGIN
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = p_GrainIdHash
      AND GrainTypeHash = p_GrainTypeHash
      AND GrainIdentity = UNHEX(SHA2(CONCAT(
            CHAR_LENGTH(p_ServiceId), ':', p_ServiceId, ':',
            CHAR_LENGTH(p_GrainTypeString), ':', p_GrainTypeString, ':',
            p_GrainIdN0, ':', p_GrainIdN1, ':',
            IFNULL(CONCAT(CHAR_LENGTH(p_GrainIdExtensionString), ':', p_GrainIdExtensionString), '-')), 256));
END;

-- statement
DROP PROCEDURE IF EXISTS OrleansStorageWrite;

-- statement
-- Without a version the caller saw no state, so only a first insert may succeed; a
-- duplicate key means another activation got there first. With a version, the update
-- succeeds only if the stored version is still the one the caller read. A write is one
-- statement on one row (the hot path: a point UPDATE), plus the SELECT of its result.
CREATE PROCEDURE OrleansStorageWrite
(
    IN p_GrainIdHash            INT,
    IN p_GrainIdN0              BIGINT,
    IN p_GrainIdN1              BIGINT,
    IN p_GrainTypeHash          INT,
    IN p_GrainTypeString        VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainIdExtensionString VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_ServiceId              VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainStateVersion      INT,
    IN p_PayloadBinary          LONGBLOB
)
SQL SECURITY INVOKER
BEGIN
    DECLARE v_NewVersion INT DEFAULT NULL;

    IF p_GrainStateVersion IS NULL THEN
        BEGIN
            DECLARE EXIT HANDLER FOR 1062 SET v_NewVersion = NULL;
            INSERT INTO OrleansStorage
                (GrainIdHash, GrainTypeHash, GrainIdentity, GrainIdN0, GrainIdN1, GrainTypeString,
                 GrainIdExtensionString, ServiceId, PayloadBinary, Version, ModifiedOn)
            VALUES
                (p_GrainIdHash, p_GrainTypeHash,
                 UNHEX(SHA2(CONCAT(
                 CHAR_LENGTH(p_ServiceId), ':', p_ServiceId, ':',
                 CHAR_LENGTH(p_GrainTypeString), ':', p_GrainTypeString, ':',
                 p_GrainIdN0, ':', p_GrainIdN1, ':',
                 IFNULL(CONCAT(CHAR_LENGTH(p_GrainIdExtensionString), ':', p_GrainIdExtensionString), '-')), 256)),
                 p_GrainIdN0, p_GrainIdN1, p_GrainTypeString,
                 p_GrainIdExtensionString, p_ServiceId, p_PayloadBinary, 1, UTC_TIMESTAMP(3));
            SET v_NewVersion = 1;
        END;
    ELSE
        UPDATE OrleansStorage
        SET PayloadBinary = p_PayloadBinary,
            Version = Version + 1,
            ModifiedOn = UTC_TIMESTAMP(3)
        WHERE GrainIdHash = p_GrainIdHash
          AND GrainTypeHash = p_GrainTypeHash
          AND GrainIdentity = UNHEX(SHA2(CONCAT(
              CHAR_LENGTH(p_ServiceId), ':', p_ServiceId, ':',
              CHAR_LENGTH(p_GrainTypeString), ':', p_GrainTypeString, ':',
              p_GrainIdN0, ':', p_GrainIdN1, ':',
              IFNULL(CONCAT(CHAR_LENGTH(p_GrainIdExtensionString), ':', p_GrainIdExtensionString), '-')), 256))
          AND Version = p_GrainStateVersion;
        IF ROW_COUNT() > 0 THEN
            SET v_NewVersion = p_GrainStateVersion + 1;
        END IF;
    END IF;

    SELECT v_NewVersion AS NewGrainStateVersion;
END;

-- statement
DROP PROCEDURE IF EXISTS OrleansStorageClear;

-- statement
-- Keeps the row, with no payload and a new version, so that a stale writer still fails.
CREATE PROCEDURE OrleansStorageClear
(
    IN p_GrainIdHash            INT,
    IN p_GrainIdN0              BIGINT,
    IN p_GrainIdN1              BIGINT,
    IN p_GrainTypeHash          INT,
    IN p_GrainTypeString        VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainIdExtensionString VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_ServiceId              VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainStateVersion      INT
)
SQL SECURITY INVOKER
BEGIN
    DECLARE v_NewVersion INT DEFAULT NULL;

    UPDATE OrleansStorage
    SET PayloadBinary = NULL,
        Version = Version + 1,
        ModifiedOn = UTC_TIMESTAMP(3)
    WHERE GrainIdHash = p_GrainIdHash
      AND GrainTypeHash = p_GrainTypeHash
      AND GrainIdentity = UNHEX(SHA2(CONCAT(
          CHAR_LENGTH(p_ServiceId), ':', p_ServiceId, ':',
          CHAR_LENGTH(p_GrainTypeString), ':', p_GrainTypeString, ':',
          p_GrainIdN0, ':', p_GrainIdN1, ':',
          IFNULL(CONCAT(CHAR_LENGTH(p_GrainIdExtensionString), ':', p_GrainIdExtensionString), '-')), 256))
      AND Version = p_GrainStateVersion;
    IF ROW_COUNT() > 0 THEN
        SET v_NewVersion = p_GrainStateVersion + 1;
    END IF;

    SELECT v_NewVersion AS NewGrainStateVersion;
END;

-- statement
DROP PROCEDURE IF EXISTS OrleansStorageDelete;

-- statement
-- Used when the provider runs with DeleteStateOnClear; it expects version + 1 back.
CREATE PROCEDURE OrleansStorageDelete
(
    IN p_GrainIdHash            INT,
    IN p_GrainIdN0              BIGINT,
    IN p_GrainIdN1              BIGINT,
    IN p_GrainTypeHash          INT,
    IN p_GrainTypeString        VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainIdExtensionString VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_ServiceId              VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainStateVersion      INT
)
SQL SECURITY INVOKER
BEGIN
    DECLARE v_NewVersion INT DEFAULT NULL;

    DELETE FROM OrleansStorage
    WHERE GrainIdHash = p_GrainIdHash
      AND GrainTypeHash = p_GrainTypeHash
      AND GrainIdentity = UNHEX(SHA2(CONCAT(
          CHAR_LENGTH(p_ServiceId), ':', p_ServiceId, ':',
          CHAR_LENGTH(p_GrainTypeString), ':', p_GrainTypeString, ':',
          p_GrainIdN0, ':', p_GrainIdN1, ':',
          IFNULL(CONCAT(CHAR_LENGTH(p_GrainIdExtensionString), ':', p_GrainIdExtensionString), '-')), 256))
      AND Version = p_GrainStateVersion;
    IF ROW_COUNT() > 0 THEN
        SET v_NewVersion = p_GrainStateVersion + 1;
    END IF;

    SELECT v_NewVersion AS NewGrainStateVersion;
END;

-- statement
DROP PROCEDURE IF EXISTS OrleansReminderUpsert;

-- statement
-- The transaction holds the row lock from the upsert until the version is read back,
-- so the version returned is the one this call wrote.
CREATE PROCEDURE OrleansReminderUpsert
(
    IN p_ServiceId    VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_GrainId      VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_ReminderName VARCHAR(150) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    IN p_StartTime    DATETIME(6),
    IN p_Period       BIGINT,
    IN p_GrainHash    INT
)
SQL SECURITY INVOKER
BEGIN
    DECLARE v_Version INT;
    DECLARE EXIT HANDLER FOR SQLEXCEPTION
    BEGIN
        ROLLBACK;
        RESIGNAL;
    END;

    START TRANSACTION;
    INSERT INTO OrleansRemindersTable
        (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES
        (p_ServiceId, p_GrainId, p_ReminderName, p_StartTime, p_Period, p_GrainHash, 1)
    ON DUPLICATE KEY UPDATE
        StartTime = p_StartTime,
        Period = p_Period,
        GrainHash = p_GrainHash,
        Version = Version + 1;
    SELECT Version INTO v_Version
    FROM OrleansRemindersTable
    WHERE ServiceId = p_ServiceId
      AND GrainId = p_GrainId
      AND ReminderName = p_ReminderName;
    COMMIT;

    SELECT v_Version AS Version;
END;

-- statement
REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey',
 'CALL OrleansStorageRead(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId)'),
('WriteToStorageKey',
 'CALL OrleansStorageWrite(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary)'),
('ClearStorageKey',
 'CALL OrleansStorageClear(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion)'),
('DeleteStorageKey',
 'CALL OrleansStorageDelete(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion)');

-- statement
-- ReadRangeRows1Key serves a hash range that does not wrap (begin < end),
-- ReadRangeRows2Key one that wraps past the top of the ring.
REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES
('UpsertReminderRowKey',
 'CALL OrleansReminderUpsert(@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash)'),
('ReadReminderRowKey',
 'SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName'),
('ReadReminderRowsKey',
 'SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId AND GrainId = @GrainId'),
('ReadRangeRows1Key',
 'SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash'),
('ReadRangeRows2Key',
 'SELECT GrainId, ReminderName, StartTime, Period, Version
  FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash)'),
('DeleteReminderRowKey',
 'DELETE FROM OrleansRemindersTable
  WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version;
  SELECT ROW_COUNT() > 0 AS Deleted'),
('DeleteReminderRowsKey',
 'DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId');
