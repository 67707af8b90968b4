"""`app.py staff add|remove|passwd|list|audit`: staff accounts in the database DATABASE_URL names."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from assistant.settings import Settings


def add_parsers(sub: argparse._SubParsersAction) -> None:  # argparse has no public name for it
    staff = sub.add_parser("staff", help="staff accounts: add, remove, passwd, list, audit")
    ssub = staff.add_subparsers(dest="staff_command", required=True)
    add = ssub.add_parser("add", help="add an account (the password is asked for, or read from stdin)")
    add.add_argument("username")
    add.add_argument("--role", choices=["editor", "reviewer"], required=True,
                     help="editor: add and publish notices, run checks; reviewer: run checks")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    passwd = ssub.add_parser("passwd", help="set an account's password (its sessions end)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    remove = ssub.add_parser("remove", help="remove an account (its sessions end)")
    remove.add_argument("username")
    ssub.add_parser("list", help="list the accounts and their roles")
    audit = ssub.add_parser("audit", help="the latest audit events: logins, failures, locks, publishes")
    audit.add_argument("--limit", type=int, default=50)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise SystemExit("两次输入的密码不一致。")
    return first


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_staff(args: argparse.Namespace, settings: Settings) -> int:
    from store.db import open_database
    from store.staff import AccountError, StaffDirectory

    directory = StaffDirectory(open_database(settings.database))
    try:
        if args.staff_command == "add":
            account = directory.add(args.username, _password(args.password_stdin), args.role)
            directory.audit("cli", "staff_add", f"{account.username} {account.role}")
            print(f"已添加账号 {account.username}（{account.role}）。")
        elif args.staff_command == "passwd":
            directory.set_password(args.username, _password(args.password_stdin))
            directory.audit("cli", "staff_passwd", args.username)
            print(f"已修改 {args.username} 的密码，其登录已全部失效。")
        elif args.staff_command == "remove":
            directory.remove(args.username)
            directory.audit("cli", "staff_remove", args.username)
            print(f"已删除账号 {args.username}。")
        elif args.staff_command == "list":
            accounts = directory.accounts()
            for a in accounts:
                print(f"{a.username}\t{a.role}\t{_when(a.created_at)}")
            if settings.staff_username:
                print(f"{settings.staff_username}\teditor\t(bootstrap: STAFF_USERNAME)")
            if not accounts and not settings.staff_username:
                print("没有员工账号。用 app.py staff add NAME --role editor 添加。")
        elif args.staff_command == "audit":
            for e in directory.audit_log(args.limit):
                print(f"{_when(e.at)}\t{e.actor}\t{e.action}\t{e.detail}\t{e.client}")
    except AccountError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    return 0


COMMANDS = {"staff": cmd_staff}
