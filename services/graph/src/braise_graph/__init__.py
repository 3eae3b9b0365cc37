"""Braise graph: link strengths in Neo4j, their stages, and the dormant links worth rekindling."""
