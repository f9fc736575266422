"""Runs a plan of MCP calls with the official Python `mcp` client; the test reads what it saw.

stdin:  {"url": ..., "headers": {...}, "mode": "auto" | "legacy" | "2026-07-28", "calls": [{"tool": ..., "arguments": {...}}]}
stdout: {"protocol_version", "instructions", "capabilities", "tools": [...], "results": [...]} as JSON
"""

import asyncio
import json
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True) if model is not None else None


async def call(client, name, arguments):
    try:
        result = await client.call_tool(name, arguments)
    except MCPError as error:
        return {"protocol_error": {"code": error.error.code, "message": error.error.message}}
    text = "".join(block.text for block in result.content if getattr(block, "type", None) == "text")
    return {"is_error": bool(result.is_error), "structured": result.structured_content, "text": text}


async def main():
    plan = json.load(sys.stdin)
    async with httpx2.AsyncClient(headers=plan["headers"], timeout=30) as http:
        transport = streamable_http_client(plan["url"], http_client=http, terminate_on_close=False)
        async with Client(transport, mode=plan["mode"]) as client:
            tools = (await client.list_tools()).tools
            results = [await call(client, c["tool"], c["arguments"]) for c in plan["calls"]]
            print(
                json.dumps(
                    {
                        "protocol_version": client.protocol_version,
                        "instructions": client.instructions,
                        "capabilities": dump(client.server_capabilities),
                        "tools": [dump(tool) for tool in tools],
                        "results": results,
                    }
                )
            )


asyncio.run(main())
