"""Records in and out of files: CSV and vCard import (matching, dry runs) and export."""
