//! Writes findings: text, json, sarif, github. One file per format.
