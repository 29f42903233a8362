package main

// The SARIF and JUnit documents as the tests read them back: only the fields they check,
// decoded by their names on the wire (the writers live in lint/output).

const fingerprintV = "no502/v1"

type sarifLog struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID      string `json:"id"`
					HelpURI string `json:"helpUri"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool  `json:"executionSuccessful"`
			Notifications       []any `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID              string            `json:"ruleId"`
			RuleIndex           int               `json:"ruleIndex"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Fixes               []sarifFix        `json:"fixes"`
		} `json:"results"`
	} `json:"runs"`
}

type sarifFix struct {
	ArtifactChanges []struct {
		Replacements []sarifReplacement `json:"replacements"`
	} `json:"artifactChanges"`
}

type sarifReplacement struct {
	DeletedRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
		EndLine     int `json:"endLine"`
		EndColumn   int `json:"endColumn"`
	} `json:"deletedRegion"`
	InsertedContent *struct {
		Text string `json:"text"`
	} `json:"insertedContent"`
}

type junitSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Suites   []struct {
		Cases []struct{} `xml:"testcase"`
	} `xml:"testsuite"`
}

// jsonReport is the --format json document (the contract in DESIGN.md).
type jsonReport struct {
	Version  int `json:"version"`
	Findings []struct {
		Rule      string `json:"rule"`
		File      string `json:"file"`
		Line      int    `json:"line"`
		Column    int    `json:"column"`
		EndLine   int    `json:"end_line"`
		EndColumn int    `json:"end_column"`
		Message   string `json:"message"`
	} `json:"findings"`
	Errors []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Message string `json:"message"`
	} `json:"errors"`
	Summary struct {
		Files    int `json:"files"`
		Findings int `json:"findings"`
		Errors   int `json:"errors"`
	} `json:"summary"`
}
