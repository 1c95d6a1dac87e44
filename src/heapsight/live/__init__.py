"""Talking to running Node.js processes: inspector, attach, load, service, hunt."""
