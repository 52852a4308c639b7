#!/usr/bin/env python3
"""Prints the failed tests of the last ./test.sh run with their messages (first lines of each stack).

Usage: failures.py [characters of each message, 1500] [results folder, .artifacts/test-results]"""
import glob, sys, xml.etree.ElementTree as ET
for trx in glob.glob((sys.argv[2] if len(sys.argv) > 2 else ".artifacts/test-results") + "/**/*.trx", recursive=True):
    for u in ET.parse(trx).getroot().iter():
        if u.tag.endswith("UnitTestResult") and u.get("outcome") == "Failed":
            print("###", u.get("testName"))
            for m in u.iter():
                if m.tag.endswith("Message") and m.text: print(m.text[:int(sys.argv[1]) if len(sys.argv) > 1 else 1500])
                if m.tag.endswith("StackTrace") and m.text: print("\n".join(m.text.splitlines()[:6]))
