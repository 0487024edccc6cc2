"""PostgreSQL adapter of boards (issue 21): boards and which images are on them."""

from __future__ import annotations

import builtins  # PostgresBoards.list() shadows the builtin in the annotations after it
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import DictRow

from ..domain.boards import Board

# The count and the newest image come from board_images' primary key and listing index.
BOARD_COLUMNS = """b.id::text AS id, b.name, b.created_at,
    (SELECT count(*) FROM board_images c WHERE c.board_id = b.id)::int AS image_count,
    coalesce(b.cover_image_id, (SELECT n.image_id FROM board_images n WHERE n.board_id = b.id
                                ORDER BY n.image_created_at DESC, n.image_id DESC LIMIT 1))::text AS cover_image_id"""


def _board(row: dict[str, Any]) -> Board:
    return Board(row["id"], row["name"], row["image_count"], row["cover_image_id"], row["created_at"])


class PostgresBoards:
    """boards and board_images, in the caller's transaction."""

    def __init__(self, conn: psycopg.Connection[DictRow]) -> None:
        self._conn = conn

    def add(self, board_id: str, user_id: str, name: str, now: datetime) -> Board:
        """Stores a new, empty board."""
        self._conn.execute("INSERT INTO boards (id, user_id, name, created_at) VALUES (%s, %s, %s, %s)",
                           (board_id, user_id, name, now))
        return Board(board_id, name, 0, None, now)

    def get(self, user_id: str, board_id: str, lock: bool = False) -> Board | None:
        """The user's board (locked until the transaction ends with lock), or None when it is not theirs."""
        if lock and self._conn.execute("SELECT 1 FROM boards WHERE id = %s AND user_id = %s FOR UPDATE",
                                       (board_id, user_id)).fetchone() is None:
            return None
        row = self._conn.execute(f"SELECT {BOARD_COLUMNS} FROM boards b WHERE b.id = %s AND b.user_id = %s",
                                 (board_id, user_id)).fetchone()
        return None if row is None else _board(row)

    def list(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> builtins.list[Board]:
        """The user's boards, newest first, those before the (created_at, id) cursor when given."""
        if before is None:
            rows = self._conn.execute(
                f"""SELECT {BOARD_COLUMNS} FROM boards b WHERE b.user_id = %s
                    ORDER BY b.created_at DESC, b.id DESC LIMIT %s""", (user_id, limit)).fetchall()
        else:
            rows = self._conn.execute(
                f"""SELECT {BOARD_COLUMNS} FROM boards b WHERE b.user_id = %s AND (b.created_at, b.id) < (%s, %s::uuid)
                    ORDER BY b.created_at DESC, b.id DESC LIMIT %s""", (user_id, *before, limit)).fetchall()
        return [_board(row) for row in rows]

    def update(self, user_id: str, board_id: str, name: str | None, cover: tuple[str | None] | None) -> bool:
        """Renames the board and/or sets its cover (a 1-tuple: the image id, or None for the newest); False when it
        is not the user's."""
        row = self._conn.execute(
            """UPDATE boards SET name = coalesce(%(name)s, name),
                   cover_image_id = CASE WHEN %(set_cover)s THEN %(cover)s::uuid ELSE cover_image_id END
               WHERE id = %(id)s AND user_id = %(user)s RETURNING id""",
            {"name": name, "set_cover": cover is not None, "cover": cover[0] if cover else None, "id": board_id,
             "user": user_id},
        ).fetchone()
        return row is not None

    def delete(self, user_id: str, board_id: str) -> bool:
        """Deletes the board (its images stay); False when it is not the user's."""
        return self._conn.execute("DELETE FROM boards WHERE id = %s AND user_id = %s",
                                  (board_id, user_id)).rowcount == 1

    def owned_images(self, user_id: str, image_ids: builtins.list[str]) -> set[str]:
        """Which of the ids are the user's generated images."""
        rows = self._conn.execute(
            """SELECT id::text AS id FROM images WHERE id = ANY(%s::uuid[]) AND user_id = %s AND kind = 'generated'""",
            (image_ids, user_id)).fetchall()
        return {row["id"] for row in rows}

    def on_board(self, board_id: str, image_ids: builtins.list[str]) -> set[str]:
        """Which of the ids are on the board."""
        rows = self._conn.execute(
            "SELECT image_id::text AS id FROM board_images WHERE board_id = %s AND image_id = ANY(%s::uuid[])",
            (board_id, image_ids)).fetchall()
        return {row["id"] for row in rows}

    def put_images(self, board_id: str, image_ids: builtins.list[str], now: datetime) -> None:
        """Adds those of the images that are the board owner's generated ones (a board lists by its owner alone);
        those already on it stay as they were."""
        self._conn.execute(
            """INSERT INTO board_images (board_id, image_id, image_created_at, added_at)
               SELECT b.id, i.id, i.created_at, %s FROM boards b JOIN images i ON i.user_id = b.user_id
               WHERE b.id = %s AND i.id = ANY(%s::uuid[]) AND i.kind = 'generated'
               ON CONFLICT (board_id, image_id) DO NOTHING""",
            (now, board_id, image_ids))

    def remove_images(self, board_id: str, image_ids: builtins.list[str]) -> None:
        """Takes the images off the board (the chosen cover among them too)."""
        self._conn.execute("DELETE FROM board_images WHERE board_id = %s AND image_id = ANY(%s::uuid[])",
                           (board_id, image_ids))
        self._conn.execute("UPDATE boards SET cover_image_id = NULL WHERE id = %s AND cover_image_id = ANY(%s::uuid[])",
                           (board_id, image_ids))
