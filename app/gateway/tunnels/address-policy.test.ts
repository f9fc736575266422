import { describe, expect, it } from "vitest";
import {
  classifyForbiddenAddress,
  classifyForbiddenAddressInsecure,
  isForbiddenAddress,
} from "./address-policy.js";

describe("isForbiddenAddress", () => {
  it.each([
    ["8.8.8.8"],
    ["52.94.236.248"],
    ["2606:4700:4700::1111"],
    ["2a05:d014::1"],
    ["::ffff:8.8.8.8"],
    ["64:ff9b::808:808"],
    ["2002:808:808::1"],
  ])("allows the public unicast address %s", (ip) => {
    expect(isForbiddenAddress(ip)).toBe(false);
  });

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.10", "private"],
    ["100.64.0.1", "carrierGradeNat"],
    ["100.127.255.254", "carrierGradeNat"],
    ["169.254.0.1", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.251", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["2001::1", "teredo"],
    ["64:ff9b:1::a", "nat64LocalUse"],
  ])("refuses %s (%s)", (ip, range) => {
    expect(classifyForbiddenAddress(ip)?.range).toBe(range);
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:0:7f00:1", "loopback"], // IPv4-translated (RFC 6145)
    ["64:ff9b::127.0.0.1", "loopback"], // NAT64
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["2002:c0a8:0101::1", "private"], // 6to4 of 192.168.1.1
    ["2002:7f00:1::", "loopback"],
  ])("refuses the IPv6 form %s of an embedded %s address", (ip, range) => {
    const forbidden = classifyForbiddenAddress(ip);
    expect(forbidden?.range).toBe(range);
    expect(forbidden?.description).toContain("embeds");
  });

  it("refuses the deprecated IPv4-compatible form even of a public address", () => {
    expect(classifyForbiddenAddress("::127.0.0.1")?.range).toBe("loopback");
    expect(isForbiddenAddress("::8.8.8.8")).toBe(true);
    expect(isForbiddenAddress("::808:808")).toBe(true);
  });

  it("judges the integer, hex and octal spellings of an IPv4 address by the address they denote", () => {
    expect(classifyForbiddenAddress("2130706433")?.range).toBe("loopback");
    expect(classifyForbiddenAddress("0x7f.1")?.range).toBe("loopback");
    expect(classifyForbiddenAddress("0177.0.0.1")?.range).toBe("loopback");
  });

  it("refuses anything that is not an IP address (fails closed)", () => {
    expect(classifyForbiddenAddress("localhost")?.range).toBe("invalid");
    expect(isForbiddenAddress("")).toBe(true);
    expect(isForbiddenAddress("1.2.3.4.5")).toBe(true);
  });

  it("says what the address is", () => {
    expect(classifyForbiddenAddress("127.0.0.1")?.reason).toBe("127.0.0.1 is a loopback address");
    expect(classifyForbiddenAddress("169.254.169.254")?.reason).toBe(
      "169.254.169.254 is the cloud metadata service",
    );
  });
});

describe("classifyForbiddenAddressInsecure (development)", () => {
  it("permits loopback and private addresses", () => {
    for (const ip of ["127.0.0.1", "::1", "10.0.0.5", "192.168.1.2", "::ffff:127.0.0.1"]) {
      expect(classifyForbiddenAddressInsecure(ip)).toBeNull();
    }
  });

  it("still refuses the metadata service, link-local addresses and non-addresses", () => {
    for (const ip of ["169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "fe80::1", "nonsense"]) {
      expect(classifyForbiddenAddressInsecure(ip)).not.toBeNull();
    }
  });
});
