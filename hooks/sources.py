"""The literature, seed documents (clinical-rules.md sections 2, 3 and 10) and drug labels the rules cite."""

from hooks.rule import Source

SEED_000 = Source("Seed 000 (IMNM guideline summary, truncated)", secondary=True)
SEED_001 = Source("Seed 001 (Dr.Oracle NAM treatment page; paediatric doses flagged)", secondary=True)
SEED_002 = Source("Seed 002 (Therapeutic management of IMNM, Curr Treatm Opt Rheumatol 2021, abstract)",
                  "https://booksci.cn/literature_d11096_4.htm", secondary=True)
SEED_003 = Source("Seed 003 (initial treatment approach for IIM; MTX dose error flagged)",
                  "https://www.droracle.ai/articles/394133/what-is-the-initial-treatment-approach-for-patients-presenting",
                  secondary=True)
SEED_004 = Source("Seed 004 (inflammatory necrotizing myositis page; infectious/immune blend flagged)", secondary=True)

ENMC_224 = Source("ENMC 224th workshop on IMNM (Allenbach et al., Neuromuscul Disord 2018)",
                  "https://linkinghub.elsevier.com/retrieve/pii/S0960-8966(17)31207-5")
PINAL_FERNANDEZ_2018 = Source("Pinal-Fernandez, Casal-Dominguez, Mammen, Curr Rheumatol Rep 2018",
                              "https://pmc.ncbi.nlm.nih.gov/articles/PMC6019613")
MOHASSEL_MAMMEN_2018 = Source("Mohassel & Mammen, Anti-HMGCR myopathy, J Neuromuscul Dis 2018",
                              "https://content.iospress.com/articles/journal-of-neuromuscular-diseases/jnd170282")
MAMMEN_STATIN_REVIEW = Source("Mammen, statin-associated muscle injury review",
                              "https://docslib.org/doc/9569536/statin-associated-myalgias-and-muscle-injury-recognizing-and-managing-both-while-still-lowering-the-low-density-lipoprotein")
TINIAKOU_2020 = Source("Tiniakou, Statin-associated autoimmune myopathy, TCRM 2020",
                       "https://www.dovepress.com/statin-associated-autoimmune-myopathy-current-perspectives-peer-reviewed-article-TCRM")
ALLENBACH_2020 = Source("Allenbach et al., Nat Rev Rheumatol 2020",
                        "https://biomed.reviewer.ly/app/publication/2fe6264a-349c-4ba3-b595-8850e815bae3")
KASSARDJIAN_2015 = Source("Kassardjian et al., JAMA Neurol 2015",
                          "https://mayoclinic.pure.elsevier.com/en/publications/clinical-features-and-treatment-outcomes-of-necrotizing-autoimmun")
MEYER_2019 = Source("Meyer et al., Arthritis Res Ther 2019",
                    "https://arthritis-research.biomedcentral.com/articles/10.1186/s13075-019-2093-6")
SCHMIDT_2018 = Source("Schmidt 2018 (IBM is largely refractory)", "https://pmc.ncbi.nlm.nih.gov/articles/PMC6004913")
NADDAF_2022 = Source("Naddaf 2022 (IBM)", "https://pmc.ncbi.nlm.nih.gov/articles/PMC9551222")
UPTODATE_IBM = Source("UpToDate, Management of inclusion body myositis (Lloyd)",
                      "http://www.uptodate.com/contents/management-of-inclusion-body-myositis")
LANCET_2024 = Source("Lancet 2024 IIM treatment table", "https://pmc.ncbi.nlm.nih.gov/articles/PMC11646336/table/T2")
ETG = Source("Australian eTG, idiopathic inflammatory myopathies",
             "https://etg-complete-oxy.netlify.app/rheumatology/idiopathic-inflammatory-myopathies/c_rhg_idiopathic-inflammatory-myopathies_topic_16")
SRP_CARDIAC_REVIEW = Source("Anti-SRP review, Front Immunol 2022",
                            "https://frontiersin.org/articles/10.3389/fimmu.2022.1019972/full")
BETTERIDGE_2019 = Source("Betteridge et al., J Autoimmun 2019 (antibody mutual exclusivity)",
                         "https://ouci.dntb.gov.ua/works/45GxKY39")
EULAR_ACR_2017 = Source("2017 EULAR/ACR IIM classification criteria", "https://www.researcher-app.com/paper/125597")
IMACS_CORE_SET = Source("IMACS core set measures", "https://www.niehs.nih.gov/research/resources/imacs/abouttools/")
ALLENBACH_2016 = Source("Allenbach et al., Brain 2016 (cancer in IMNM)",
                        "https://read.qxmd.com/read/27086869/high-risk-of-cancer-in-autoimmune-necrotizing-myopathies-usefulness-of-myositis-specific-antibody")
SHELLY_MAYO = Source("Shelly et al., Mayo cohort (cancer and IMNM)",
                     "https://mayoclinic.pure.elsevier.com/en/publications/cancer-and-immune-mediated-necrotizing-myopathy-a-longitudinal-re")
IMACS_2023_CANCER = Source("IMACS 2023 cancer screening guideline (Oldroyd et al.)", "http://47.251.13.51:8081/37945774")
ASCO_2021_MYOSITIS = Source("ASCO 2021 irAE guideline, myositis", "https://eguideline.guidelinecentral.com/i/1475468/39")
SAFA_2019 = Source("Safa et al., ICI-related myasthenia gravis: single centre experience and systematic review, "
                   "J Immunother Cancer 2019", "https://pmc.ncbi.nlm.nih.gov/articles/PMC6868691")
ASCO_2021_CARDIAC = Source("ASCO 2021 irAE guideline, cardiac",
                           "https://eguideline.guidelinecentral.com/i/1475468-immune-related-adverse-events-from-immune-checkpoint-inhibitor-therapy/62")
SITC_2021 = Source("SITC 2021 irAE guideline", "https://distantreader.org/stacks/cord/cord-1049090-z8p85enp.txt")
BSMO_TROPONIN = Source("BSMO (troponin I more cardio-specific)", "https://www.bsmo.be/muscle-pathology/myositis-2/")
OCTAGAM_DM = Source("Octagam dermatomyositis dosing and rate",
                    "https://www.octagam.com/efficacy-and-tolerability/dermatomyositis/dosing-and-rate-of-administration-in-dermatomyositis")
PRODERM = Source("ProDERM trial / FDA approval of IVIG in dermatomyositis",
                 "https://checkrare.com/fda-approves-ivig-treatment-for-adult-dermatomyositis/")
IVIG_BOXED_WARNING = Source("IVIG class boxed warning (FDA label)",
                            "https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22Human+Immunoglobulin+G%22")
ONTARIO_IVIG = Source("Ontario IVIG criteria, idiopathic inflammatory myopathy",
                      "https://ivig.transfusionontario.org/rheumatology-indications/idiopathic-inflammatory-myopathy-igum?lng=en")
RIM_TRIAL = Source("RIM trial (Oddis, Arthritis Rheum 2013)", "https://doczz.net/doc/6476488")
NOSS_2006 = Source("Noss et al., J Rheumatol 2006 (rituximab 1 g days 0 and 14)",
                   "https://www.ncbi.nlm.nih.gov/pubmed/16541475")
RITUXAN_LABEL = Source("Rituxan US label, boxed warning (HBV reactivation)",
                       "https://api.fda.gov/drug/label.json?search=openfda.brand_name%3ARituxan")
ISMP_MTX = Source("ISMP call to action on daily methotrexate errors",
                  "https://www.ismp.org/resources/call-action-longstanding-strategies-prevent-accidental-daily-methotrexate-dosing-must-be")
IMSN_BP3 = Source("IMSN Global Targeted Medication Safety Best Practice #3",
                  "https://www.intmedsafe.net/imsn-global-targeted-medication-safety-best-practices/global-targeted-medication-safety-best-practice-3/")
MEDSAFE_2022 = Source("Medsafe 2022, methotrexate with trimethoprim or co-trimoxazole",
                      "https://medsafe.govt.nz/profs/PUArticles/March2022/Bone-marrow-suppression-methotrexate-and-trimethoprim-or-co-trimoxazole.html")
CFP_2014 = Source("Can Fam Physician 2014 (methotrexate and TMP/SMX)", "https://pmc.ncbi.nlm.nih.gov/articles/PMC3994806")
KWON_2018 = Source("Kwon 2018 (prophylactic TMP/SMX with methotrexate)",
                   "https://link.springer.com/article/10.1007/s10067-018-4005-6")
DRUGS_COM_MTX_TMP = Source("Methotrexate-trimethoprim interaction monograph",
                           "https://www.drugs.com/drug-interactions/methotrexate-with-trimethoprim-1590-0-2250-0.html?professional=1")
CPIC_THIOPURINES = Source("CPIC guideline for thiopurines and TPMT/NUDT15",
                          "https://cpicpgx.org/guidelines/guideline-for-thiopurines-and-tpmt/")
CPIC_2024 = Source("CPIC thiopurine 2024 update", "https://cpicpgx.org/?p=578")
AZA_LABEL = Source("Azathioprine label text", "https://www.recallguide.org/manufacturer/glenmark-pharmaceuticals-inc/")
AZA_ALLOPURINOL = Source("Azathioprine dosing and allopurinol summary (Dr.Oracle 368976) [verify label text]",
                         secondary=True)
ACR_2022_GIOP = Source("ACR 2022 glucocorticoid-induced osteoporosis guideline", "https://guidelinecentral.com/guideline/7043")
EULAR_2022_INFECTIONS = Source("EULAR 2022 recommendations on screening and prophylaxis of infections",
                               "https://ard.bmj.com/content/early/2022/11/17/ard-2022-223335")
PJP_SLR = Source("PJP prophylaxis literature review table", "https://pmc.ncbi.nlm.nih.gov/articles/PMC9639159/table/T6")
PJP_STOP_THRESHOLD = Source("TMP/SMX discontinuation and glucocorticoid dose (>12.5 mg)",
                            "https://cms.medugate.me/blog-details/glucocorticoid-dose-guides-pjp-prophylaxis-discontinuation")
IDSA_2013_VACCINES = Source("IDSA 2013 vaccination of the immunocompromised host",
                            "http://www.idsociety.org/Guidelines/Patient_Care/IDSA_Practice_Guidelines/Vaccination_of_the_Immunocompromised_Host/")
LIVE_VACCINE_TABLE = Source("Live-vaccine immunosuppression thresholds table",
                            "https://pmc.ncbi.nlm.nih.gov/articles/PMC3192074/table/t1-0571127")
ACR_2022_VACCINES = Source("ACR 2022 vaccination guideline (Bass et al.)", "https://pmc.ncbi.nlm.nih.gov/articles/PMC10291822")
IDSA_2014_SSTI = Source("IDSA 2014 skin and soft-tissue infection guideline",
                        "https://www.scribd.com/document/476416563/IDSA-2014-pdf")
WSES_2014 = Source("WSES 2014 soft-tissue infection guideline", "https://pmc.ncbi.nlm.nih.gov/articles/PMC4242587")
MILLER_1992 = Source("Miller et al., NEJM 1992 (plasma exchange in PM/DM: no benefit)",
                     "https://herbal-organic.com/uk/pubmed/Controlled_trial_of_plasma_exchange_and_leukapheresis_in_polymyositis_and_dermatomyositis_1472183")
SHARE_2017 = Source("SHARE 2017 juvenile dermatomyositis recommendations",
                    "https://pmc.ncbi.nlm.nih.gov/articles/PMC5284351/table/ANNRHEUMDIS2016209247TB3")
OCTAGAM_WEIGHT = Source("Octagam dosing (adjust for under- and over-weight)",
                        "https://www.octagam.com/efficacy-and-tolerability/dermatomyositis/dosing-and-rate-of-administration-in-dermatomyositis")
DESIGN = Source("IMNM CDS design requirement (clinical-rules.md)")
PARK_2019 = Source("Park et al. 2019 (pulse steroids and lymphopenia as PJP risk factors; cited in the PJP literature "
                   "review)", "https://pmc.ncbi.nlm.nih.gov/articles/PMC9639159/table/T6")
CD20_CLASS_LABEL = Source("Anti-CD20 class label wording: screen all patients for HBV before treatment "
                          "(obinutuzumab US label)")
CDC_LIVE_VACCINE_WAIT = Source("CDC (Yellow Book excerpt): wait at least 1 month after high-dose steroids before a "
                               "live vaccine")
CDC_TIMING_SPACING = Source("CDC/ACIP General Best Practice Guidelines: timing and spacing of immunobiologics",
                            "https://www.cdc.gov/vaccines/hcp/acip-recs/general-recs/timing.html")
VARIVAX_LABEL = Source("VARIVAX (varicella virus vaccine live) US label, warnings: recipients should avoid close "
                       "association with susceptible high-risk individuals for up to six weeks (vaccine virus "
                       "transmission)", "http://www.rxlist.com/varivax-drug/warnings-precautions.htm")
MTX_BASELINE_DRORACLE = Source("Dr.Oracle 586453 and 588778 (methotrexate baseline: HBV/HCV, liver tests, "
                               "contraception) [secondary]", secondary=True)
MTX_LABEL = Source("Methotrexate labelling (renal impairment, pregnancy, baseline tests) [verify]")
MTX_AZA_PHRASE_DRORACLE = Source("Dr.Oracle 404882 and 586453: the '25-50 mg/week' phrase belongs to azathioprine, "
                                 "not methotrexate [secondary]",
                                 "https://www.droracle.ai/articles/404882/how-to-select-between-methotrexate-mtx-azathioprine-aza-and",
                                 secondary=True)
# US prescribing information of the lipid-lowering drugs R14 offers or finds already taken (not in clinical-rules.md
# section 10): the dosing intervals and missed-dose instructions that say how long after a dose it is therapy still
# taken, and ezetimibe's licensed age; addresses as stored in the search corpus (openFDA label queries)
REPATHA_LABEL = Source("Repatha (evolocumab) US label, section 2: every 2 weeks or monthly; a missed dose given within "
                       "7 days", "https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22evolocumab%22")
PRALUENT_LABEL = Source("Praluent (alirocumab) US label, section 2: every 2 or 4 weeks; a missed dose given within "
                        "7 days", "https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22Alirocumab%22")
LEQVIO_LABEL = Source("Leqvio (inclisiran) US label, section 2: every 6 months; a dose missed by under 3 months given "
                      "on schedule", "https://api.fda.gov/drug/label.json?search=openfda.generic_name%3A%22inclisiran%22")
ZETIA_LABEL = Source("Zetia (ezetimibe) US label, section 1: from 10 years with a statin (heterozygous familial "
                     "hypercholesterolaemia)", "https://api.fda.gov/drug/label.json?search=openfda.brand_name%3A%22ZETIA%22")
# Named in the cards of R19, R24, R26 and R30 (not in clinical-rules.md section 10): where a card's text names a body or
# a label, the rule cites it (tests.test_fixtures.test_a_card_names_only_bodies_its_rule_cites)
KDIGO_2012_AKI = Source("KDIGO 2012 clinical practice guideline for acute kidney injury (staging by creatinine)",
                        "https://kdigo.org/guidelines/acute-kidney-injury/")
BACTRIM_LABEL = Source("Bactrim (sulfamethoxazole and trimethoprim) US label: half the usual regimen at a creatinine "
                       "clearance of 15-30 mL/min, not recommended below 15",
                       "https://api.fda.gov/drug/label.json?search=openfda.brand_name%3ABactrim")
AASLD_2018_HBV = Source("AASLD 2018 hepatitis B guidance (Terrault et al., Hepatology 2018): recipients of "
                        "immunosuppressive therapy",
                        "https://journals.lww.com/hep/fulltext/2018/04000/update_on_prevention,_diagnosis,_and_treatment_of.34.aspx")
EASL_2017_HBV = Source("EASL 2017 clinical practice guidelines on hepatitis B virus infection (J Hepatol 2017)",
                       "https://doi.org/10.1016/j.jhep.2017.03.021")
USPSTF_SCREENING = Source("USPSTF recommendations: the usual screens' age bands (breast 2024, colorectal 2021, "
                          "cervical 2018, prostate 2018)", "https://www.uspreventiveservicestaskforce.org/uspstf/")
